"""The scene a scene-aware model (SALGL) predicts for each image."""
from typing import Tuple

import numpy as np
import torch


@torch.no_grad()
def collect_scene_predictions(model: torch.nn.Module, dataloader: object
                              ) -> Tuple[np.ndarray, list, np.ndarray]:
    """Run a scene-aware classifier over a dataloader.

    Args:
        model (nn.Module): A classifier whose head writes ``pred_scene``
            into the predicted data samples (``SceneAwarePerClassHead``),
            in eval mode.
        dataloader: An mmengine dataloader (batches of dicts with
            ``inputs`` and ``data_samples``).

    Returns:
        tuple: ``sample_idx`` (int64 (N,)), ``gt_labels`` (list of int
        lists), ``pred_scenes`` (int64 (N,)), in loader order.
    """
    indices, labels, scenes = [], [], []
    for batch in dataloader:
        for sample in model.test_step(batch):
            if 'pred_scene' not in sample:
                raise ValueError(
                    'the model does not predict scenes (no pred_scene in its '
                    'output): expected a SALGL model with '
                    'SceneAwarePerClassHead')
            indices.append(int(sample.metainfo['sample_idx']))
            labels.append([int(c) for c in sample.gt_label.tolist()])
            scenes.append(int(sample.pred_scene))
    return (np.asarray(indices, dtype=np.int64), labels,
            np.asarray(scenes, dtype=np.int64))

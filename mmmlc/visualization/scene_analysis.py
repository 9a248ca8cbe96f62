"""Scene statistics of a scene-aware model (SALGL): pure numpy functions
plus one loop that collects a model's scene predictions over a dataset."""
from typing import Dict, Sequence, Tuple

import numpy as np
import torch


def scene_label_counts(pred_scenes: Sequence[int],
                       labels: Sequence[Sequence[int]], num_scenes: int,
                       num_classes: int) -> np.ndarray:
    """How often each label occurs in the images of each predicted scene.

    Args:
        pred_scenes (Sequence[int]): Scene index of each image.
        labels (Sequence[Sequence[int]]): Class indices of each image.
        num_scenes (int): K.
        num_classes (int): C.

    Returns:
        np.ndarray: int64 (K, C); entry (k, c) counts the images of scene k
        that have label c (the diagonal of SALGL's ``comatrix[k]`` when the
        scenes are the model's hard choices).
    """
    if len(pred_scenes) != len(labels):
        raise ValueError(f'{len(pred_scenes)} scene predictions but '
                         f'{len(labels)} label lists')
    counts = np.zeros((num_scenes, num_classes), dtype=np.int64)
    for scene, image_labels in zip(pred_scenes, labels):
        if not 0 <= int(scene) < num_scenes:
            raise ValueError(f'scene {scene} is outside 0..{num_scenes - 1}')
        counts[int(scene), list(image_labels)] += 1
    return counts


def label_scene_shares(counts: np.ndarray) -> np.ndarray:
    """Share of each label's occurrences that fall in each scene.

    The weight of a word in the reference's label clouds (spec
    ``methods/salgl.md`` §6): ``w[k, j] = d[k, j] / sum_k d[k, j]`` with
    ``d[k, j]`` the count of label j in scene k (``comatrix[k, j, j]``).
    A label never seen gets weight 0 everywhere (the reference divides by
    zero there).

    Args:
        counts (np.ndarray): (K, C) counts or ``comatrix`` diagonals.

    Returns:
        np.ndarray: float64 (K, C), columns summing to 1 (or 0).
    """
    counts = np.asarray(counts, dtype=np.float64)
    totals = counts.sum(axis=0, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts),
                     where=totals > 0)


def scene_purity(pred_scenes: Sequence[int],
                 true_scenes: Sequence[int]) -> Dict[str, object]:
    """How well learned scenes match the true ones (cluster purity).

    ``purity = sum_k max_s n(k, s) / N``: each learned scene is credited
    with its most frequent true scene. 1 means every learned scene holds one
    true scene; ``1 / #true scenes`` is the floor of a single cluster. Also
    the normalised mutual information (arithmetic mean) and the best
    one-to-one matching accuracy (Hungarian), which unlike purity does not
    reward splitting a true scene over several learned ones.

    Args:
        pred_scenes (Sequence[int]): Learned scene of each image.
        true_scenes (Sequence[int]): True scene of each image.

    Returns:
        dict: ``purity``, ``nmi``, ``matched_accuracy`` (floats in [0, 1]),
        ``contingency`` (int64 (K_learned, K_true)).
    """
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import normalized_mutual_info_score
    pred = np.asarray(pred_scenes, dtype=np.int64)
    true = np.asarray(true_scenes, dtype=np.int64)
    if pred.shape != true.shape or pred.ndim != 1 or not len(pred):
        raise ValueError(f'need two equally long non-empty 1-D sequences, '
                         f'got {pred.shape} and {true.shape}')
    table = np.zeros((pred.max() + 1, true.max() + 1), dtype=np.int64)
    np.add.at(table, (pred, true), 1)
    rows, cols = linear_sum_assignment(-table)
    return dict(
        purity=float(table.max(axis=1).sum() / len(pred)),
        nmi=float(normalized_mutual_info_score(true, pred)),
        matched_accuracy=float(table[rows, cols].sum() / len(pred)),
        contingency=table)


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

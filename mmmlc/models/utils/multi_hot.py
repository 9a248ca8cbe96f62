"""Multi-hot training targets from a batch of data samples."""
from typing import Sequence

import torch
from mmpretrain.structures import DataSample, label_to_onehot
from torch import Tensor

__all__ = ['multi_hot_targets']


def multi_hot_targets(data_samples: Sequence[DataSample],
                      num_classes: int) -> Tensor:
    """Stack the batch's targets into one (B, C) float tensor.

    The data preprocessor writes ``gt_score`` (multi-hot rows already on
    the device) when its ``num_classes`` is set, as every mmmlc config
    does; stacking those is one kernel. Without it each sample's
    ``gt_label`` indices are converted on their own.

    Args:
        data_samples (Sequence[DataSample]): The batch.
        num_classes (int): C, used when only ``gt_label`` is present.

    Returns:
        Tensor: (B, C) float32.
    """
    if 'gt_score' in data_samples[0]:
        return torch.stack([s.gt_score for s in data_samples]).float()
    return torch.stack([
        label_to_onehot(s.gt_label, num_classes) for s in data_samples
    ]).float()

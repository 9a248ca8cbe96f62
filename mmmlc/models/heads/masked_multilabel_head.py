"""Multi-label linear head whose loss ignores VOC's difficult-only labels."""
from typing import List

import torch
from mmpretrain.models.heads import MultiLabelLinearClsHead
from mmpretrain.structures import DataSample, label_to_onehot
from torch import Tensor

from mmmlc.registry import MODELS


@MODELS.register_module()
class MaskedMultiLabelLinearClsHead(MultiLabelLinearClsHead):
    """mmpretrain's multi-label linear head with ignored labels in the loss.

    The loss of class c on image b is dropped when c is in the sample's
    ``gt_label_difficult`` and not in its ``gt_label`` (VOC: the class is
    present only as difficult objects), as SS-PRL / GAELLE's VOC linear
    evaluation does with its label 255 (docs/reference/gaelle.md,
    "Linear probe").
    ``MLCMetric`` ignores the same entries in the mAP. mmpretrain's loss
    takes only per-sample weights, so the element-wise loss is masked here
    and reduced as the parent does: summed and divided by the batch size
    (``avg_factor = B``), times the loss's ``loss_weight``.

    Samples without ``gt_label_difficult`` (COCO, NUS-WIDE ...) keep every
    entry: the head then equals ``MultiLabelLinearClsHead``.

    Args:
        **kwargs: ``MultiLabelLinearClsHead``'s arguments; ``loss`` must
            accept ``reduction_override='none'`` (mmpretrain's
            ``CrossEntropyLoss``, ``FocalLoss``, ``AsymmetricLoss`` do).
    """

    @staticmethod
    def ignore_mask(data_samples: List[DataSample], num_classes: int,
                    device: torch.device) -> Tensor:
        """1 where a label counts, 0 where it is difficult-only; (B, C)."""
        mask = torch.ones(len(data_samples), num_classes)  # built on the host
        for row, sample in enumerate(data_samples):
            difficult = sample.get('gt_label_difficult')
            if difficult is None or len(difficult) == 0:
                continue
            mask[row, torch.as_tensor(difficult, dtype=torch.long)] = 0
            positive = sample.get('gt_label')
            if positive is not None and len(positive) > 0:
                mask[row, torch.as_tensor(positive, dtype=torch.long)] = 1
        return mask.to(device, non_blocking=True)  # one copy per batch

    def _get_loss(self, cls_score: Tensor, data_samples: List[DataSample],
                  **kwargs) -> dict:
        """Masked element-wise loss, summed and divided by the batch."""
        num_classes = cls_score.size(-1)
        if 'gt_score' in data_samples[0]:
            target = torch.stack([s.gt_score.float() for s in data_samples])
        else:
            target = torch.stack([
                label_to_onehot(s.gt_label, num_classes) for s in data_samples
            ]).float()
        mask = self.ignore_mask(data_samples, num_classes, cls_score.device)
        loss = self.loss_module(
            cls_score, target, reduction_override='none', **kwargs)
        loss = (loss * mask).sum() / cls_score.size(0)
        return dict(loss=loss)

"""A linear classifier per class on per-class features."""
import math
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmpretrain.models.heads import MultiLabelClsHead
from mmpretrain.structures import DataSample
from torch import Tensor

from mmmlc.registry import MODELS
from ..utils import multi_hot_targets

Feats = Union[Tensor, Tuple[Tensor, ...]]


@MODELS.register_module()
class PerClassLinearHead(MultiLabelClsHead):
    """Score class c from its own feature vector with its own weights.

    For per-class features o (B, C, D) (label-graph or label-attention
    necks), all C classifiers run as one op:

    .. math:: \\mathrm{logit}_{b,c} = \\sum_d W_{c,d}\\, o_{b,c,d} + b_c

    W (C, D) and b (C) start from U(-1/sqrt(D), 1/sqrt(D)) like SALGL's
    ``Element_Wise_Layer``. State-dict keys: ``weight``, ``bias``
    (reference ``classifier.weight``, ``classifier.bias``). Loading a
    ``weight`` for another number of classes raises a ``ValueError``
    naming both numbers.

    The loss module is called as ``loss(logits, targets)`` with (B, C)
    float multi-hot targets: :class:`ScaledAsymmetricLoss` (default) or,
    e.g., mmpretrain's ``CrossEntropyLoss(use_sigmoid=True)`` (mean BCE,
    SALGL's ``loss=bce``). The loss is logged as ``loss_cls``.

    Args:
        num_classes (int): C.
        in_channels (int): D.
        loss (dict): Config of the classification loss. Defaults to
            ``dict(type='ScaledAsymmetricLoss')`` (SALGL's ASL).
        thr (float, optional): Score threshold of ``pred_label``.
        topk (int, optional): Top-k of ``pred_label`` when ``thr`` is None.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss: dict = dict(type='ScaledAsymmetricLoss'),
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        # Built here, in mmmlc's registry (which falls back to mmpretrain's):
        # the parent class would look only in mmpretrain's.
        if not isinstance(loss, nn.Module):
            loss = MODELS.build(loss)
        super().__init__(loss=loss, thr=thr, topk=topk, init_cfg=init_cfg)
        self.num_classes = num_classes
        self.in_channels = in_channels
        bound = 1.0 / math.sqrt(in_channels)
        self.weight = nn.Parameter(
            torch.empty(num_classes, in_channels).uniform_(-bound, bound))
        self.bias = nn.Parameter(
            torch.empty(num_classes).uniform_(-bound, bound))

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Refuse a classifier made for another number of classes."""
        weight = state_dict.get(prefix + 'weight')
        if weight is not None and tuple(weight.shape) != tuple(
                self.weight.shape):
            found = tuple(weight.shape)
            details = [
                f'{name}={got} in the checkpoint but {want} in this model'
                for name, got, want in zip(('num_classes', 'in_channels'),
                                           found, self.weight.shape)
                if got != want
            ] if len(found) == 2 else [f'expected {tuple(self.weight.shape)}']
            raise ValueError(f'cannot load {prefix}weight of shape {found} '
                             f'into {type(self).__name__}: ' +
                             '; '.join(details))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def pre_logits(self, feats: Feats) -> Tensor:
        """The per-class features: the last item of ``feats``, (B, C, D)."""
        return feats[-1] if isinstance(feats, (tuple, list)) else feats

    def forward(self, feats: Feats) -> Tensor:
        """Logits of every class.

        Args:
            feats (Tensor | tuple[Tensor]): Neck output; the last item is
                the per-class features (B, C, D).

        Returns:
            Tensor: (B, C).
        """
        class_features = self.pre_logits(feats)  # (B, C, D)
        logits = torch.einsum('bcd,cd->bc', class_features,
                              self.weight.to(class_features.dtype))
        return logits + self.bias.to(logits.dtype)  # (B, C)

    def loss(self, feats: Feats,
             data_samples: Sequence[DataSample]) -> dict:
        """Classification loss of the batch.

        Args:
            feats (Tensor | tuple[Tensor]): Neck output.
            data_samples (Sequence[DataSample]): With ``gt_score`` or
                ``gt_label``.

        Returns:
            dict[str, Tensor]: ``loss_cls``.
        """
        logits = self(feats)
        targets = multi_hot_targets(data_samples, self.num_classes)
        return dict(loss_cls=self.loss_module(logits, targets))

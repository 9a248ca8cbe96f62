"""MulCon's per-class classifiers and contrastive projector."""
from typing import Optional, Sequence, Tuple, Union

import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.structures import DataSample
from torch import Tensor

from mmmlc.registry import MODELS
from ..utils import multi_hot_targets
from .per_class_head import PerClassLinearHead

Feats = Union[Tensor, Tuple[Tensor, ...]]


@MODELS.register_module()
class MulConHead(PerClassLinearHead):
    """Per-class classifiers on label embeddings, plus MulCon's projector.

    Dao et al., Neurocomputing 2023, Sec. 3.2-3.3. On label-level
    embeddings G (B, L, d) from :class:`LabelWiseAttentionNeck`:

    - classifiers (both stages): ``s_{b,c} = w_c . g_{b,c} + beta_c``, all
      L of them in one einsum (:class:`PerClassLinearHead`), trained by
      ``loss`` (MulCon: mean BCE over all B*L entries,
      ``CrossEntropyLoss(use_sigmoid=True)``), logged as ``loss_cls``;
    - projector (stage two, ``proj_channels`` set):
      ``z_{b,c} = P(g_{b,c}) / ||P(g_{b,c})||``, P = Linear(d, d1) -> ReLU
      -> Linear(d1, d2) (MulCon: 1024 -> 1024 -> 128, shared by all
      labels), read by ``contrastive_loss`` (:class:`LabelSupConLoss`),
      logged as ``loss_con``. Not used at inference.

    Initialisation (the reference's ``init_net``): every Linear weight
    N(0, 0.02^2), bias 0 (the classifier's ``weight`` (L, d) and ``bias``
    (L) included). State-dict keys: ``weight``, ``bias``, ``projector.0.*``,
    ``projector.2.*``.

    Args:
        num_classes (int): L.
        in_channels (int): d. Defaults to 1024.
        loss (dict): Classification loss, called as ``loss(logits,
            targets)``. Defaults to mean BCE.
        proj_channels (tuple[int, int], optional): (d1, d2) of the
            projector; None (stage one) builds none. Defaults to None.
        contrastive_loss (dict, optional): Config of the contrastive loss,
            called as ``loss(z (V, L, d2), targets (V, L), logits)``;
            needs ``proj_channels``. Defaults to None.
        thr (float, optional): Score threshold of ``pred_label``.
        topk (int, optional): Top-k of ``pred_label`` when ``thr`` is None.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int = 1024,
                 loss: dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 proj_channels: Optional[Sequence[int]] = None,
                 contrastive_loss: Optional[dict] = None,
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            num_classes=num_classes,
            in_channels=in_channels,
            loss=loss,
            thr=thr,
            topk=topk,
            init_cfg=init_cfg)
        nn.init.normal_(self.weight, std=0.02)
        nn.init.zeros_(self.bias)
        self.projector = None
        if proj_channels is not None:
            hidden, out = proj_channels
            self.projector = nn.Sequential(
                nn.Linear(in_channels, hidden), nn.ReLU(inplace=True),
                nn.Linear(hidden, out))
            for layer in (self.projector[0], self.projector[2]):
                nn.init.normal_(layer.weight, std=0.02)
                nn.init.zeros_(layer.bias)
        if contrastive_loss is not None and self.projector is None:
            raise ValueError('MulConHead: contrastive_loss needs a projector '
                             '(set proj_channels, e.g. (1024, 128))')
        self.contrastive_loss = None if contrastive_loss is None else (
            MODELS.build(contrastive_loss))

    def project(self, feats: Feats) -> Tensor:
        """L2-normalised projections z of every label embedding.

        Args:
            feats (Tensor | tuple[Tensor]): Neck output, last item G
                (B, L, d).

        Returns:
            Tensor: (B, L, d2).
        """
        if self.projector is None:
            raise RuntimeError('MulConHead has no projector (stage one): '
                               'set proj_channels')
        return F.normalize(self.projector(self.pre_logits(feats)), dim=-1)

    def loss(self, feats: Feats,
             data_samples: Sequence[DataSample]) -> dict:
        """BCE over all entries and, in stage two, the contrastive term.

        Args:
            feats (Tensor | tuple[Tensor]): Neck output, G (V, L, d) for V
                images or views.
            data_samples (Sequence[DataSample]): One per row of G.

        Returns:
            dict[str, Tensor]: ``loss_cls`` and, with a contrastive loss,
            ``loss_con`` (already weighted).
        """
        logits = self(feats)  # (V, L)
        targets = multi_hot_targets(data_samples, self.num_classes)
        losses = dict(loss_cls=self.loss_module(logits, targets))
        if self.contrastive_loss is not None:
            embeddings = self.project(feats)  # (V, L, d2)
            losses['loss_con'] = self.contrastive_loss(
                embeddings, targets, logits.detach())
        return losses

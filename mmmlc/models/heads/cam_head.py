"""CAMHead: a 1x1 class-map convolution whose GAP gives the logits."""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.heads import MultiLabelClsHead
from mmpretrain.structures import DataSample

from mmmlc.registry import MODELS
from ..utils.cam_components import normalize_cams


@MODELS.register_module()
class CAMHead(MultiLabelClsHead):
    r"""Class-activation-map classifier (the CAM stage of OASS).

    A 1x1 convolution :math:`W \in \mathbb R^{C \times D}` with no bias,
    Kaiming-normal initialised, turns the backbone's last map ``F`` ``(B,
    D, h, w)`` into class maps :math:`M = W * F` ``(B, C, h, w)``; the
    logits are their global average :math:`z_c = \frac1{hw}\sum_u
    M_c(u)`, which equals a linear layer on the pooled feature. The same
    maps give the CAMs (:meth:`get_cams`). Works with any backbone that
    outputs a spatial map (OASS uses a stride-16 ResNet). Puzzle-CAM's
    classifier (docs/reference/oass.md, "Architecture").

    Args:
        num_classes (int): Number of classes C.
        in_channels (int): Channels D of the backbone map.
        loss (dict): Loss config. Defaults to sigmoid BCE averaged over
            images and classes, which is the multi-label soft-margin loss.
        thr (float, optional): Score threshold of ``pred_label``.
            Defaults to None (0.5).
        topk (int, optional): See ``MultiLabelClsHead``.
        init_cfg (dict, optional): Defaults to Kaiming-normal on the conv.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss: dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = dict(
                     type='Kaiming', layer='Conv2d', mode='fan_in',
                     distribution='normal')) -> None:
        super().__init__(loss=loss, thr=thr, topk=topk, init_cfg=init_cfg)
        if num_classes <= 0 or in_channels <= 0:
            raise ValueError(f'CAMHead: num_classes ({num_classes}) and '
                             f'in_channels ({in_channels}) must be > 0.')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.classifier = nn.Conv2d(in_channels, num_classes, 1, bias=False)

    def class_maps(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Raw class maps ``M`` of the last backbone map.

        Args:
            feats (tuple[torch.Tensor]): Backbone outputs; the last one is
                ``(B, D, h, w)``.

        Returns:
            torch.Tensor: ``(B, C, h, w)``.
        """
        feat = feats[-1]
        if feat.dim() != 4:
            raise ValueError('CAMHead needs a spatial map (B, D, h, w) from '
                             f'the backbone, got {tuple(feat.shape)}; use a '
                             'backbone without global pooling.')
        return self.classifier(feat)

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Logits: GAP of the class maps, ``(B, C)``."""
        return self.class_maps(feats).mean((2, 3))

    @staticmethod
    def get_cams(class_maps: torch.Tensor,
                 size: Optional[Tuple[int, int]] = None,
                 eps: float = 1e-5) -> torch.Tensor:
        r"""Normalised CAMs :math:`A_c = \mathrm{ReLU}(M_c) / (\max
        \mathrm{ReLU}(M_c) + \epsilon)`.

        Args:
            class_maps (torch.Tensor): ``(B, C, h, w)``.
            size (tuple[int, int], optional): Bilinear resize of the ReLU
                maps to ``(H, W)`` before normalising. Defaults to None.
            eps (float): Defaults to 1e-5.

        Returns:
            torch.Tensor: ``(B, C, h, w)`` (or ``(B, C, H, W)``) in
            ``[0, 1)``.
        """
        cams = F.relu(class_maps)
        if size is not None:
            cams = F.interpolate(
                cams, size=size, mode='bilinear', align_corners=False)
        return normalize_cams(cams, eps)

    def predict(self,
                feats: Tuple[torch.Tensor],
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Scores and labels, plus each image's CAMs as ``cam``.

        Args:
            feats (tuple[torch.Tensor]): Backbone outputs.
            data_samples (list[DataSample], optional): Samples to fill.

        Returns:
            list[DataSample]: With ``pred_score``, ``pred_label`` and
            ``cam`` ``(C, h, w)`` on the stride-16 grid of the input.
        """
        class_maps = self.class_maps(feats)
        samples = self._get_predictions(class_maps.mean((2, 3)),
                                        data_samples)
        for sample, cam in zip(samples, self.get_cams(class_maps)):
            sample.set_field(cam, 'cam', field_type='data')
        return samples

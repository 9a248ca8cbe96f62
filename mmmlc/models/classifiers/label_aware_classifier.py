"""ImageClassifier whose neck sees the training labels."""
from typing import List

from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.structures import DataSample
from torch import Tensor

from mmmlc.registry import MODELS
from ..utils import multi_hot_targets


@MODELS.register_module()
class LabelAwareClassifier(ImageClassifier):
    """mmpretrain's ``ImageClassifier`` that hands the labels to its neck.

    Some necks keep label statistics that training updates, e.g.
    :class:`SceneLabelGraphNeck`'s per-scene co-occurrence buffer. In
    ``loss`` mode this classifier builds the (B, C) multi-hot targets once
    and calls ``neck(backbone(inputs), gt_scores=targets)``; ``predict``
    and ``tensor`` modes call the neck without labels, as
    ``ImageClassifier`` does. Nothing is stored on the model between
    calls. The neck must accept a ``gt_scores`` keyword and have a
    ``num_classes`` attribute. Constructor arguments are those of
    ``ImageClassifier``.
    """

    def extract_feat(self,
                     inputs: Tensor,
                     stage: str = 'neck',
                     gt_scores: Tensor = None):
        """Features as ``ImageClassifier.extract_feat``, optionally labelled.

        Args:
            inputs (Tensor): Images (B, 3, H, W).
            stage (str): ``'backbone'``, ``'neck'`` or ``'pre_logits'``.
            gt_scores (Tensor, optional): Multi-hot targets (B, C) passed
                to the neck (only for ``stage='neck'``).

        Returns:
            tuple | Tensor: The output of the requested stage.
        """
        if gt_scores is None:
            return super().extract_feat(inputs, stage=stage)
        if stage != 'neck' or not self.with_neck:
            raise ValueError('gt_scores go to the neck: use stage="neck" '
                             'with a model that has a neck')
        return self.neck(self.backbone(inputs), gt_scores=gt_scores)

    def loss(self, inputs: Tensor, data_samples: List[DataSample]) -> dict:
        """Losses of a labelled batch; the neck sees the labels.

        Args:
            inputs (Tensor): Images (B, 3, H, W).
            data_samples (list[DataSample]): With ``gt_score`` (set by the
                data preprocessor when its ``num_classes`` is given) or
                ``gt_label``.

        Returns:
            dict[str, Tensor]: The head's losses.
        """
        targets = multi_hot_targets(data_samples, self.neck.num_classes)
        feats = self.extract_feat(inputs, gt_scores=targets)
        return self.head.loss(feats, data_samples)

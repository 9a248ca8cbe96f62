"""Per-class head plus SALGL's scene-entropy terms."""
from typing import List, Optional, Sequence, Tuple

from mmpretrain.structures import DataSample
from torch import Tensor

from mmmlc.registry import MODELS
from .per_class_head import PerClassLinearHead


@MODELS.register_module()
class SceneAwarePerClassHead(PerClassLinearHead):
    """:class:`PerClassLinearHead` that also trains the scene classifier.

    Head of SALGL (Zhu et al., ICCV 2023; docs/reference/salgl.md,
    "Losses"), fed by :class:`SceneLabelGraphNeck` with
    ``(scene_probs (B, K), class_features (B, C, D))``. The total loss is

    .. math::
        L = L_{cls} + \\lambda_s \\frac{1}{B}\\sum_b H(\\pi_b)
            + \\lambda_b \\cdot 100\\,(H(u_K) - H(\\bar\\pi))

    logged as ``loss_cls``, ``loss_scene_entropy``, ``loss_scene_balance``
    (lambda_s = lambda_b = 1 in the released recipe, third-party; the
    official training loop is unreleased). Prediction also stores each
    image's scene probabilities as ``scene_score`` (K,) and its argmax as
    ``pred_scene`` in the data sample, for scene-purity tools.

    Args:
        num_classes (int): C.
        in_channels (int): D.
        loss (dict): Classification loss. Defaults to
            ``dict(type='ScaledAsymmetricLoss')`` (gamma- 2, gamma+ 0,
            clip 0, scale 1000).
        scene_entropy_loss (dict, optional): Per-image entropy term.
            Defaults to ``dict(type='SceneEntropyLoss', loss_weight=1.0)``;
            None drops it.
        scene_balance_loss (dict, optional): Batch balance term. Defaults
            to ``dict(type='SceneBalanceLoss', loss_weight=1.0,
            scale=100.0)``; None drops it.
        thr (float, optional): Score threshold of ``pred_label``.
        topk (int, optional): Top-k of ``pred_label`` when ``thr`` is None.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss: dict = dict(type='ScaledAsymmetricLoss'),
                 scene_entropy_loss: Optional[dict] = dict(
                     type='SceneEntropyLoss', loss_weight=1.0),
                 scene_balance_loss: Optional[dict] = dict(
                     type='SceneBalanceLoss', loss_weight=1.0, scale=100.0),
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
        self.scene_entropy_loss = (None if scene_entropy_loss is None else
                                   MODELS.build(scene_entropy_loss))
        self.scene_balance_loss = (None if scene_balance_loss is None else
                                   MODELS.build(scene_balance_loss))

    @staticmethod
    def _scene_probs(feats: Tuple[Tensor, Tensor]) -> Tensor:
        if not isinstance(feats, (tuple, list)) or len(feats) != 2:
            raise TypeError(
                'SceneAwarePerClassHead expects the neck output '
                '(scene_probs (B, K), class_features (B, C, D)), got '
                f'{type(feats).__name__}')
        return feats[0]

    def loss(self, feats: Tuple[Tensor, Tensor],
             data_samples: Sequence[DataSample]) -> dict:
        """Classification loss plus the two scene terms.

        Args:
            feats (tuple[Tensor, Tensor]): ``(scene_probs, class_features)``.
            data_samples (Sequence[DataSample]): With ``gt_score`` or
                ``gt_label``.

        Returns:
            dict[str, Tensor]: ``loss_cls`` and, unless disabled,
            ``loss_scene_entropy`` and ``loss_scene_balance``.
        """
        scene_probs = self._scene_probs(feats)
        losses = super().loss(feats, data_samples)
        if self.scene_entropy_loss is not None:
            losses['loss_scene_entropy'] = self.scene_entropy_loss(
                scene_probs)
        if self.scene_balance_loss is not None:
            losses['loss_scene_balance'] = self.scene_balance_loss(
                scene_probs)
        return losses

    def predict(self,
                feats: Tuple[Tensor, Tensor],
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Scores and labels as mmpretrain, plus the scene of each image.

        Args:
            feats (tuple[Tensor, Tensor]): ``(scene_probs, class_features)``.
            data_samples (list[DataSample], optional): The batch.

        Returns:
            list[DataSample]: With ``pred_score``, ``pred_label``,
            ``scene_score`` (K,) and ``pred_scene`` (scalar long tensor).
        """
        scene_probs = self._scene_probs(feats).detach()
        predictions = super().predict(feats, data_samples)
        scenes = scene_probs.argmax(dim=-1)
        for sample, probs, scene in zip(predictions, scene_probs, scenes):
            sample.set_field(probs, 'scene_score')
            sample.set_field(scene, 'pred_scene')
        return predictions

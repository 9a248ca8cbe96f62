"""MulCon: an ImageClassifier that takes two views and a stage-one model."""
import os.path as osp
from typing import List, Optional, Sequence, Union

import torch
from mmengine.logging import MMLogger
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.structures import DataSample
from torch import Tensor

from mmmlc.registry import MODELS

#: Keys a stage-two model may lack in a stage-one checkpoint.
NEW_IN_STAGE_TWO = ('head.projector.', )


@MODELS.register_module()
class MulConClassifier(ImageClassifier):
    """mmpretrain's ``ImageClassifier`` for MulCon's two stages.

    Dao et al., Neurocomputing 2023, Sec. 3-4: backbone ->
    :class:`LabelWiseAttentionNeck` -> :class:`MulConHead`.

    - Stage one: one view per image, as ``ImageClassifier``.
    - Stage two: ``inputs`` is a list of V views (B, 3, H, W) of the same
      B images (mmpretrain's ``MultiView`` +
      :class:`MultiViewDataPreprocessor`);
      they are forwarded as one batch [view 1; ...; view V] (V*B, 3, H,
      W), each view keeping its image's labels, so BCE averages over all
      views and the head's contrastive loss sees the other views of every
      image. BatchNorm sees all views of the local batch together.
    - ``stage_one_checkpoint``: :meth:`init_weights` loads the backbone,
      neck and classifier from a stage-one checkpoint's ``state_dict``
      (the EMA weights when the stage-one run used mmengine's EMA hook,
      which the paper evaluates and starts stage two from) and checks it
      first: a missing file, or any key, shape or class count that does
      not match this model, is an error before training. Only
      ``head.projector.*`` may be missing (it is new in stage two).

    Args:
        backbone, neck, head, pretrained, train_cfg, data_preprocessor,
            init_cfg: As ``ImageClassifier``.
        stage_one_checkpoint (str, optional): Path of the stage-one
            checkpoint (e.g. ``work_dirs/<stage-one config>/epoch_15.pth``).
            Defaults to None (no loading).
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None,
                 stage_one_checkpoint: Optional[str] = None) -> None:
        if isinstance(data_preprocessor, dict) and data_preprocessor.get(
                'type', 'ClsDataPreprocessor') != 'ClsDataPreprocessor':
            # A multi-view preprocessor (stage two) takes no
            # batch_augments, which ImageClassifier would add.
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            pretrained=pretrained,
            train_cfg=train_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.stage_one_checkpoint = stage_one_checkpoint

    def loss(self, inputs: Union[Tensor, Sequence[Tensor]],
             data_samples: List[DataSample]) -> dict:
        """Losses of one batch of images or of views.

        Args:
            inputs (Tensor | Sequence[Tensor]): (B, 3, H, W), or V views
                of that shape.
            data_samples (list[DataSample]): B samples.

        Returns:
            dict[str, Tensor]: The head's losses.
        """
        if isinstance(inputs, (list, tuple)):
            num_views = len(inputs)
            inputs = torch.cat(list(inputs))  # (V*B, 3, H, W)
            data_samples = list(data_samples) * num_views
        return super().loss(inputs, data_samples)

    def init_weights(self) -> None:
        """Initialise, then load the stage-one weights if configured."""
        super().init_weights()
        if self.stage_one_checkpoint:
            self.load_stage_one(self.stage_one_checkpoint)

    def load_stage_one(self, checkpoint: str) -> None:
        """Load a stage-one checkpoint strictly (projector excepted).

        Args:
            checkpoint (str): Path of an mmengine checkpoint (its
                ``state_dict``) or of a bare state dict.

        Raises:
            FileNotFoundError: If the file does not exist.
            ValueError: If its keys or shapes do not match this model.
        """
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'MulCon stage-one checkpoint {checkpoint} does not exist. '
                'Train stage one first (its config writes '
                'work_dirs/<config name>/epoch_<N>.pth) or set '
                'model.stage_one_checkpoint=PATH.')
        state = torch.load(checkpoint, map_location='cpu', weights_only=True)
        if isinstance(state, dict) and 'state_dict' in state:
            state = state['state_dict']
        if not isinstance(state, dict):
            raise ValueError(f'{checkpoint}: expected a state dict, got '
                             f'{type(state).__name__}')
        expected = self.state_dict()
        missing = [
            key for key in expected
            if key not in state and not key.startswith(NEW_IN_STAGE_TWO)
        ]
        unexpected = [key for key in state if key not in expected]
        wrong_shape = [
            f'{key} {tuple(state[key].shape)} vs {tuple(expected[key].shape)}'
            for key in expected
            if key in state and state[key].shape != expected[key].shape
        ]
        if missing or unexpected or wrong_shape:
            raise ValueError(
                f'MulCon stage-one checkpoint {checkpoint} does not match '
                f'this model: {len(missing)} missing keys {missing[:5]}, '
                f'{len(unexpected)} unexpected keys {unexpected[:5]}, '
                f'{len(wrong_shape)} shape mismatches {wrong_shape[:5]}. '
                'Was stage one trained with the same backbone, neck and '
                'number of classes?')
        self.load_state_dict(state, strict=False)
        MMLogger.get_current_instance().info(
            f'MulCon: loaded {len(state)} stage-one tensors from '
            f'{checkpoint}')

"""Multi-view (self-supervised) data preprocessor without host syncs."""
from typing import List, Optional, Tuple, Union

import torch
from mmpretrain.models.utils import SelfSupDataPreprocessor
from torch import Tensor

from mmmlc.registry import MODELS


@MODELS.register_module()
class MultiViewDataPreprocessor(SelfSupDataPreprocessor):
    """mmpretrain's ``SelfSupDataPreprocessor`` with a sync-free BGR->RGB.

    mmpretrain swaps channels with a Python-list index
    (``inputs[:, [2, 1, 0]]``): on a GPU that builds an index tensor on
    the host and copies it to the device for every view of every step, a
    blocking transfer. ``flip(1)`` gives the same tensor with no transfer.
    With ``channels_last=True`` every view is returned in
    ``torch.channels_last`` memory format (the stacking and indexing of
    mmpretrain's preprocessor return contiguous NCHW tensors, so a
    channels-last backbone would convert them inside its first conv).

    Outputs equal ``SelfSupDataPreprocessor``'s for the same arguments
    (``tests/test_models/test_data_preprocessors``).

    Args:
        channels_last (bool): Return the views in channels-last memory
            format. Defaults to False.
        **kwargs: ``SelfSupDataPreprocessor``'s arguments (``mean``,
            ``std``, ``to_rgb``, ``non_blocking`` ...).
    """

    def __init__(self, channels_last: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.channels_last = channels_last

    def _process(self, views: Tensor) -> Tensor:
        """(B, 3, H, W) uint8 or float -> normalised float32 (B, 3, H, W)."""
        if self._channel_conversion:
            views = views.flip(1)  # BGR <-> RGB
        views = views.float()
        if self._enable_normalize:
            views = (views - self.mean) / self.std
        if self.channels_last:
            views = views.contiguous(memory_format=torch.channels_last)
        return views

    def forward(
        self,
        data: dict,
        training: bool = False
    ) -> Tuple[Union[Tensor, List[Tensor]], Optional[list]]:
        """Cast to the device, swap channels, normalise.

        Args:
            data (dict): ``inputs`` (a tensor or one tensor per view) and
                ``data_samples`` from ``default_collate``.
            training (bool): Unused (no batch augmentation).

        Returns:
            dict: ``inputs`` (a tensor or a list of views) and
            ``data_samples``.
        """
        if not isinstance(data, dict):
            raise TypeError(
                'MultiViewDataPreprocessor expects the dict of '
                "default_collate (set the loader's collate_fn to "
                f"dict(type='default_collate')), got {type(data).__name__}")
        batch_inputs, batch_data_samples = self.cast_data(
            [data['inputs'], data.get('data_samples')])
        if isinstance(batch_inputs, list):
            batch_inputs = [self._process(views) for views in batch_inputs]
        else:
            batch_inputs = self._process(batch_inputs)
        return {'inputs': batch_inputs, 'data_samples': batch_data_samples}

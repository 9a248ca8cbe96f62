"""Data preprocessor of OASS stage 5: images plus their instance crops."""
import torch
from mmpretrain.models.utils import ClsDataPreprocessor

from mmmlc.registry import MODELS

INSTANCE_KEYS = ('instances', 'bag_index', 'instance_labels')


@MODELS.register_module()
class CSIDataPreprocessor(ClsDataPreprocessor):
    """mmpretrain's ``ClsDataPreprocessor`` that also normalises instances.

    The batch of ``csi_collate`` (``mmmlc/datasets/csi_dataset.py``) holds
    the images, their data samples and the flattened instance crops
    ``instances`` ``(N, 3, h, w)`` with ``bag_index`` and
    ``instance_labels`` ``(N,)``. The images go through
    ``ClsDataPreprocessor`` (device, BGR->RGB, normalisation, labels and
    one-hot scores, batch augments); the instances get the same device
    cast, channel swap and normalisation, and the two index tensors are
    moved to the device. A batch without instances (evaluation, the
    default collate) passes through ``ClsDataPreprocessor`` alone.

    Args:
        **kwargs: ``ClsDataPreprocessor``'s arguments.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        """Process the images, then the instances.

        Args:
            data (dict): From the collate function.
            training (bool): Whether to apply batch augments (images only).

        Returns:
            dict: ``inputs``, ``data_samples`` and, when the batch has
            them, ``instances``, ``bag_index`` and ``instance_labels``.
        """
        if not isinstance(data, dict):
            raise TypeError('CSIDataPreprocessor expects a dict batch, got '
                            f'{type(data).__name__}.')
        present = [key for key in INSTANCE_KEYS if key in data]
        if present and len(present) != len(INSTANCE_KEYS):
            raise KeyError(
                f'CSIDataPreprocessor: the batch has {present} but needs all '
                f'of {INSTANCE_KEYS} (use collate_fn=dict(type='
                "'csi_collate')).")
        out = super().forward(
            dict(inputs=data['inputs'],
                 data_samples=data.get('data_samples')), training)
        if present:
            out['instances'] = self.normalize_instances(data['instances'])
            out['bag_index'] = self.cast_data(data['bag_index'])
            out['instance_labels'] = self.cast_data(data['instance_labels'])
        return out

    def normalize_instances(self, instances: torch.Tensor) -> torch.Tensor:
        """Instances as the images: device, channel swap, normalisation.

        Args:
            instances (torch.Tensor): ``(N, 3, h, w)``, uint8 or float.

        Returns:
            torch.Tensor: float32 ``(N, 3, h, w)``.
        """
        return super().forward(dict(inputs=instances), False)['inputs']

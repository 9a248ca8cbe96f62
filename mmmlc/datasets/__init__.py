from . import transforms  # noqa: F401  (registers the box-aware transforms)
from .annfile import MLGCNJsonDataset
from .base import MultiLabelFileDataset
from .coco import COCODataset
from .csi_dataset import CSIDataset, csi_collate
from .digit_scenes import DigitScenesDataset
from .digit_scenes_builder import build_digit_scenes
from .nuswide import NUSWIDEDataset
from .object_instances import ObjectInstanceDataset
from .openimages import OpenImagesOHMSDataset
from .voc import VOCDataset

__all__ = [
    'MLGCNJsonDataset', 'COCODataset', 'CSIDataset', 'csi_collate',
    'DigitScenesDataset', 'build_digit_scenes', 'MultiLabelFileDataset',
    'NUSWIDEDataset', 'ObjectInstanceDataset', 'OpenImagesOHMSDataset',
    'VOCDataset'
]

from .annfile import MLGCNJsonDataset
from .coco import COCODataset
from .nuswide import NUSWIDEDataset
from .openimages import OpenImagesOHMSDataset
from .voc import VOCDataset
from .digit_scenes import DigitScenesDataset
from .digit_scenes_builder import build_digit_scenes
from . import transforms  # noqa: F401  (registers the box-aware transforms)
from .object_instances import ObjectInstanceDataset

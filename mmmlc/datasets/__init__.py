from .annfile import MLGCNJsonDataset
from .coco import COCODataset
from .nuswide import NUSWIDEDataset
from .openimages import OpenImagesOHMSDataset
from .voc import VOCDataset

"""Reference-style data pipelines (PIL + torchvision) to time ours against.

Written here in the style of the papers' code, as the yardstick of
``tools/analysis_tools/benchmark_pipeline.py --compare reference``: each
reads the file with PIL, crops and augments PIL images with torchvision and
ends in normalised float tensors (``ToTensor`` + ``Normalize``), as the
reference training scripts do. They are for timing only; the views'
distributions are those of our configs (docs/benchmarks.md, Data pipeline
throughput).

- ``objcrop``: MoCo-v2 "aug-plus" (He et al. 2020; Chen et al. 2020) on an
  object crop and a 0.2-dilated crop of one box (Object-aware cropping,
  Mishra et al. 2022); ``scene``: the same on two views of the image.
- ``swav``: SwAV's multi-crop (Caron et al. 2020, Sec. 3.2), 2 x 224 + 6 x
  96, as GAELLE pretrains.
- ``salgl``: SALGL's 448-px training transform (Zhu et al. 2023): resize,
  flip, cutout of half the side, RandAugment (torchvision's, 2 ops,
  magnitude 9, stands in for the reference's own).
"""
import random
from typing import Callable, Dict, List

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from torchvision import transforms as T

from mmmlc.datasets.transforms.box_ops import clean_crop_box

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class PILGaussianBlur:
    """PIL Gaussian blur with a radius drawn from ``U(low, high)``."""

    def __init__(self, low: float = 0.1, high: float = 2.0):
        self.low, self.high = low, high

    def __call__(self, img: Image.Image) -> Image.Image:
        radius = random.uniform(self.low, self.high)
        return img.filter(ImageFilter.GaussianBlur(radius=radius))


class PILCutout:
    """Fill one square of ``factor`` x the side with a random colour."""

    def __init__(self, factor: float = 0.5):
        self.factor = factor

    def __call__(self, img: Image.Image) -> Image.Image:
        width, height = img.size
        side_h, side_w = int(height * self.factor), int(width * self.factor)
        y, x = random.randrange(height), random.randrange(width)
        box = (max(x - side_w // 2, 0), max(y - side_h // 2, 0),
               min(x + side_w // 2, width), min(y + side_h // 2, height))
        colour = tuple(random.randrange(256) for _ in range(3))
        ImageDraw.Draw(img).rectangle(box, fill=colour)
        return img


def _to_tensor() -> List[Callable]:
    return [T.ToTensor(), T.Normalize(IMAGENET_MEAN, IMAGENET_STD)]


def mocov2_view(size: int = 224,
                scale: tuple = (0.2, 1.0)) -> T.Compose:
    """MoCo-v2's aug-plus view transform."""
    return T.Compose([
        T.RandomResizedCrop(size, scale=scale),
        T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4, 0.1)], p=0.8),
        T.RandomGrayscale(p=0.2),
        T.RandomApply([PILGaussianBlur(0.1, 2.0)], p=0.5),
        T.RandomHorizontalFlip(),
        *_to_tensor(),
    ])


def swav_view(size: int, scale: tuple) -> T.Compose:
    """One SwAV multi-crop view transform."""
    return T.Compose([
        T.RandomResizedCrop(size, scale=scale),
        T.RandomHorizontalFlip(p=0.5),
        T.RandomApply([T.ColorJitter(0.8, 0.8, 0.8, 0.2)], p=0.8),
        T.RandomGrayscale(p=0.2),
        T.RandomApply([PILGaussianBlur(0.1, 2.0)], p=0.5),
        *_to_tensor(),
    ])


def open_rgb(path: str) -> Image.Image:
    """``Image.open(path).convert('RGB')``, as the references read."""
    with open(path, 'rb') as f:
        return Image.open(f).convert('RGB')


class ReferencePipeline:
    """A reference-style pipeline: ``data_info`` dict -> tensors.

    Args:
        method (str): ``'objcrop'``, ``'scene'``, ``'swav'`` or ``'salgl'``.
    """

    METHODS = ('objcrop', 'scene', 'swav', 'salgl')

    def __init__(self, method: str):
        if method not in self.METHODS:
            raise ValueError(f'method must be one of {self.METHODS}, got '
                             f'{method!r}.')
        self.method = method
        if method in ('objcrop', 'scene'):
            self.views = [mocov2_view(), mocov2_view()]
        elif method == 'swav':
            self.views = [swav_view(224, (0.14, 1.0))] * 2 + [
                swav_view(96, (0.05, 0.14))] * 6
        else:
            self.views = [T.Compose([
                T.Resize((448, 448)),
                T.RandomHorizontalFlip(),
                PILCutout(0.5),
                T.RandAugment(num_ops=2, magnitude=9),
                *_to_tensor(),
            ])]

    def __call__(self, info: Dict) -> Dict:
        img = open_rgb(info['img_path'])
        if self.method == 'objcrop':
            boxes = np.asarray(info['gt_bboxes'], np.float64).reshape(-1, 4)
            box = boxes[random.randrange(len(boxes))]
            width, height = img.size
            crops = [
                img.crop(tuple(int(v) for v in clean_crop_box(
                    box, width, height, dilation, 224, 112)))
                for dilation in (0.0, 0.2)
            ]
            views = [view(crop) for view, crop in zip(self.views, crops)]
        else:
            views = [view(img) for view in self.views]
        # Labels are left out: their varying length needs a custom collate,
        # which the references' loaders (labels unused in SSL) do not have.
        return dict(inputs=views if len(views) > 1 else views[0])

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(method={self.method!r})'

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
- ``oass``: the OASS stage-1 training view in Puzzle-CAM's style (Jo & Yu,
  ICIP 2021; the lineage docs/reference/oass.md (Data) records): PIL open,
  long side drawn as an integer in ``[min, max]`` and a bicubic PIL resize,
  horizontal flip, ImageNet normalisation in float32 numpy, a random
  ``crop x crop`` crop placed on a zero canvas (the mean colour after
  normalisation) when the image is smaller, channels first.
"""
import random
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
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


class PuzzleCAMView:
    """The OASS / Puzzle-CAM training view on a PIL image (see module doc).

    Args:
        long_side (tuple[int, int]): Range of the resized long side.
        crop_size (int): Side of the square crop.
        flip (bool): Whether to flip horizontally with probability 0.5.
    """

    def __init__(self, long_side=(320, 640), crop_size: int = 512,
                 flip: bool = True):
        self.long_side, self.crop_size, self.flip = long_side, crop_size, flip
        self.mean = np.array(IMAGENET_MEAN, np.float32)
        self.std = np.array(IMAGENET_STD, np.float32)

    def __call__(self, img: Image.Image) -> torch.Tensor:
        long_side = random.randint(*self.long_side)
        width, height = img.size
        ratio = long_side / max(width, height)
        img = img.resize((round(width * ratio), round(height * ratio)),
                         Image.BICUBIC)
        if self.flip and random.random() < 0.5:
            img = img.transpose(Image.FLIP_LEFT_RIGHT)
        arr = (np.asarray(img, np.float32) / 255. - self.mean) / self.std
        height, width = arr.shape[:2]
        crop = self.crop_size
        canvas = np.zeros((crop, crop, 3), np.float32)
        # Per axis: where the crop starts in the image and where the image
        # part lands on the canvas (random when the image is smaller).
        (src_y, dst_y, len_y), (src_x, dst_x, len_x) = [
            (random.randint(0, size - crop), 0, crop) if size > crop else
            (0, random.randint(0, crop - size), size)
            for size in (height, width)]
        canvas[dst_y:dst_y + len_y, dst_x:dst_x + len_x] = arr[
            src_y:src_y + len_y, src_x:src_x + len_x]
        return torch.from_numpy(canvas.transpose(2, 0, 1))


def open_rgb(path: str) -> Image.Image:
    """``Image.open(path).convert('RGB')``, as the references read."""
    with open(path, 'rb') as f:
        return Image.open(f).convert('RGB')


class ReferencePipeline:
    """A reference-style pipeline: ``data_info`` dict -> tensors.

    Args:
        method (str): ``'objcrop'``, ``'scene'``, ``'swav'``, ``'salgl'``
            or ``'oass'``.
        oass (dict, optional): :class:`PuzzleCAMView` arguments for
            ``'oass'`` (``long_side``, ``crop_size``, ``flip``), read from
            the config's pipeline by the benchmark. Defaults to the VOC
            recipe's.
    """

    METHODS = ('objcrop', 'scene', 'swav', 'salgl', 'oass')

    def __init__(self, method: str, oass: Optional[dict] = None):
        if method not in self.METHODS:
            raise ValueError(f'method must be one of {self.METHODS}, got '
                             f'{method!r}.')
        self.method = method
        if method in ('objcrop', 'scene'):
            self.views = [mocov2_view(), mocov2_view()]
        elif method == 'oass':
            self.views = [PuzzleCAMView(**(oass or {}))]
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

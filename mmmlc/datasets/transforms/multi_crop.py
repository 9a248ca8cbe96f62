"""SwAV multi-crop views that can be drawn around object boxes (GAELLE).

SwAV's and GAELLE's ``MultiCropDataset`` (docs/reference/gaelle.md,
"Multi-crop data"; SwAV, Sec. 3.2)
makes 8 crops of every image: 2 x ``RandomResizedCrop(224, scale (0.14,
1))`` and 6 x ``RandomResizedCrop(96, scale (0.05, 0.14))`` (ratio 3/4 -
4/3, bilinear), each followed by a horizontal flip, colour jitter
``(0.8, 0.8, 0.8, 0.2)`` with p = 0.8, grayscale p = 0.2 and PIL Gaussian
blur p = 0.5 with radius ~ U(0.1, 2). With mmpretrain's ``MultiView`` (BGR
images as mmcv loads them)::

    def swav_view(size, crop_scale):
        return [
            dict(type='BoxAwareRandomResizedCrop', scale=size,
                 crop_ratio_range=crop_scale),
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='RandomApply', prob=0.8, transforms=[
                # mmcv's hue step breaks under numpy 2
                dict(type='ColorJitterFixedHue', brightness=0.8,
                     contrast=0.8, saturation=0.8, hue=0.2)]),
            dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
                 channel_weights=(0.114, 0.587, 0.2989)),
            dict(type='GaussianBlur', magnitude_range=(0.1, 2.0),
                 magnitude_std='inf', prob=0.5),
        ]
    [dict(type='LoadImageFromFile'),
     dict(type='MultiView', num_views=[2, 6], transforms=[
         swav_view(224, (0.14, 1.0)), swav_view(96, (0.05, 0.14))]),
     dict(type='PackInputs')]

The normalisation is the model's ``data_preprocessor`` (mean
``(123.675, 116.28, 103.53)``, std ``(58.14, 57.12, 57.375)``: SwAV's
``std[0] = 0.228`` kept for fidelity).

Object-aware multi-crop (an mmmlc option, not in GAELLE): give the crop a
``box_key`` and the crop's centre is drawn inside an object box, so the
local crops look at objects instead of random background::

    dict(type='BoxAwareRandomResizedCrop', scale=96,
         crop_ratio_range=(0.05, 0.14), box_key='gt_bboxes')

``'gt_bboxes'`` / ``'proposals'`` draws a box per view (each view of
``MultiView`` gets its own copy of the sample), ``'object_box'`` uses the
one box that ``SelectObjectBox`` chose before ``MultiView`` for every
view. The other way, crops *inside* an object region, composes the
existing transforms: ``[dict(type='ObjectCrop', ...),
dict(type='BoxAwareRandomResizedCrop', ...)]``.
"""
from typing import Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
from mmcv.transforms.utils import cache_randomness
from mmpretrain.datasets.transforms import RandomResizedCrop

from mmmlc.registry import TRANSFORMS
from .select_box import FallbackCounter, sample_name

BOX_KEYS = ('object_box', 'gt_bboxes', 'proposals')


@TRANSFORMS.register_module()
class BoxAwareRandomResizedCrop(RandomResizedCrop):
    """torchvision's ``RandomResizedCrop``, optionally centred on a box.

    The crop's size is drawn as torchvision does (mmpretrain's
    ``RandomResizedCrop``, whose draws this class keeps): area
    ``U(crop_ratio_range) * H * W``, log-uniform aspect ratio in
    ``aspect_ratio_range``, up to ``max_attempts`` tries, else a central
    crop. Without ``box_key`` the position is uniform over the image, which
    is exactly the parent transform. With ``box_key`` and a box present,
    the crop's centre is drawn uniformly inside the box (clipped to the
    image) and the crop is then shifted to lie inside the image, so it
    always contains that point of the object.

    The crop is resized to ``scale`` (PIL bilinear by default, as
    torchvision on PIL images) and its source rectangle is written to
    ``results['crop_box']`` (int ``x1, y1, x2, y2``, exclusive end) for
    tools and tests.

    A sample without the boxes (no key, an empty array, or
    ``object_fallback`` set by ``SelectObjectBox``) gets the uniform
    position; every such fallback is counted per worker and logged on the
    first and every ``log_interval``-th occurrence (not for
    ``'object_box'``, which ``SelectObjectBox`` already logs).

    Required keys: ``img``; optional: ``box_key``. Modified: ``img``,
    ``img_shape``. Added: ``crop_box``.

    Args:
        scale (int | Sequence[int]): Output size, ``int`` or ``(h, w)``.
        crop_ratio_range (Sequence[float]): Range of the crop area as a
            fraction of the image area. Defaults to (0.08, 1.0).
        aspect_ratio_range (Sequence[float]): Range of the aspect ratio.
            Defaults to (3/4, 4/3).
        max_attempts (int): Size draws before the central-crop fallback.
            Defaults to 10.
        interpolation (str): Resize interpolation. Defaults to
            ``'bilinear'``.
        backend (str): ``'pillow'`` (torchvision's numbers) or ``'cv2'``.
            Defaults to ``'pillow'``.
        box_key (str, optional): ``'object_box'``, ``'gt_bboxes'`` or
            ``'proposals'``; None for the plain crop. Defaults to None.
        log_interval (int): Log the box fallbacks every this many.
            Defaults to 100.
    """

    def __init__(self,
                 scale: Union[int, Sequence[int]],
                 crop_ratio_range: Tuple[float, float] = (0.08, 1.0),
                 aspect_ratio_range: Tuple[float, float] = (3. / 4.,
                                                            4. / 3.),
                 max_attempts: int = 10,
                 interpolation: str = 'bilinear',
                 backend: str = 'pillow',
                 box_key: Optional[str] = None,
                 log_interval: int = 100) -> None:
        # low = 0 is the faithful objcrop T_obj (the reference's U(0, 1)).
        if not (0 <= crop_ratio_range[0] <= crop_ratio_range[1] <= 1):
            raise ValueError(
                'crop_ratio_range must satisfy 0 <= low <= high <= 1 (a '
                f'fraction of the image area), got {crop_ratio_range}.')
        if box_key is not None and box_key not in BOX_KEYS:
            raise ValueError(f'box_key must be None or one of {BOX_KEYS}, '
                             f'got {box_key!r}.')
        super().__init__(
            scale=scale,
            crop_ratio_range=tuple(crop_ratio_range),
            aspect_ratio_range=tuple(aspect_ratio_range),
            max_attempts=max_attempts,
            interpolation=interpolation,
            backend=backend)
        self.box_key = box_key
        self.fallbacks = FallbackCounter(type(self).__name__, log_interval)

    def _pick_box(self, results: dict) -> Optional[np.ndarray]:
        """The box to centre on, or None for the uniform position."""
        if self.box_key is None:
            return None
        boxes = results.get(self.box_key)
        if self.box_key == 'object_box':
            # SelectObjectBox counted and logged a missing box already.
            return None if boxes is None else np.asarray(
                boxes, dtype=np.float64).reshape(4)
        if boxes is None or len(boxes) == 0:
            self.fallbacks.add(sample_name(results),
                               f'no {self.box_key} boxes')
            return None
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        return boxes[self._random_box_index(len(boxes))]

    @cache_randomness
    def _random_box_index(self, num_boxes: int) -> int:
        """Uniform box index: every view of a sample draws its own box."""
        return int(np.random.randint(num_boxes))

    @cache_randomness
    def _centre_in_box(self, box: np.ndarray, width: int,
                       height: int) -> Tuple[float, float]:
        """A uniform point of the box, clipped to the image."""
        x1, x2 = np.clip([box[0], box[2]], 0, width)
        y1, y2 = np.clip([box[1], box[3]], 0, height)
        return (float(np.random.uniform(min(x1, x2), max(x1, x2))),
                float(np.random.uniform(min(y1, y2), max(y1, y2))))

    def crop_params(self, img: np.ndarray,
                    box: Optional[np.ndarray]) -> Tuple[int, int, int, int]:
        """Offsets and size of the crop.

        Args:
            img (np.ndarray): The image, ``HxW(xC)``.
            box (np.ndarray, optional): ``x1, y1, x2, y2`` to centre on.

        Returns:
            tuple[int, int, int, int]: ``(offset_h, offset_w, h, w)``.
        """
        offset_h, offset_w, crop_h, crop_w = self.rand_crop_params(img)
        if box is None:
            return offset_h, offset_w, crop_h, crop_w
        height, width = img.shape[:2]
        centre_x, centre_y = self._centre_in_box(box, width, height)
        offset_w = int(np.clip(round(centre_x - crop_w / 2), 0,
                               width - crop_w))
        offset_h = int(np.clip(round(centre_y - crop_h / 2), 0,
                               height - crop_h))
        return offset_h, offset_w, crop_h, crop_w

    def resize(self, img: np.ndarray) -> np.ndarray:
        """Resize the crop to ``scale`` (``FastRandomResizedCrop`` overrides
        it)."""
        return mmcv.imresize(
            img,
            tuple(self.scale[::-1]),
            interpolation=self.interpolation,
            backend=self.backend)

    def transform(self, results: dict) -> dict:
        """Crop, resize and record ``crop_box``.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: ``results`` with the resized crop.
        """
        img = results['img']
        if not isinstance(img, np.ndarray):
            raise TypeError(
                f'{type(self).__name__} expects results["img"] as one numpy '
                'image (use it inside a MultiView view pipeline), got '
                f'{type(img).__name__} for {sample_name(results)}.')
        offset_h, offset_w, crop_h, crop_w = self.crop_params(
            img, self._pick_box(results))
        img = self.resize(
            img[offset_h:offset_h + crop_h, offset_w:offset_w + crop_w])
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['crop_box'] = np.array(
            [offset_w, offset_h, offset_w + crop_w, offset_h + crop_h],
            dtype=np.int64)
        return results

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] + f', box_key={self.box_key!r})')

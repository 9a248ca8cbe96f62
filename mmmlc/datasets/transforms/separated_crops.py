"""Random separated crops: two square crops a radius apart.

A baseline in the reference code of Object-aware cropping (Mishra et al.,
TMLR 2022): two scene crops a fixed distance apart, no box. The reference's
sampling: docs/reference/object_aware_cropping.md (Random separated crops).

The pair is drawn once per sample, before ``MultiView``, by
:class:`RandomSeparatedCrops`, which stores both boxes in
``results['view_boxes']``; each view pipeline then cuts its own box with
:class:`ViewBoxCrop`. So the photometric view pipelines stay ordinary
``MultiView`` pipelines. The reference's pair is ``(T_fix(partner),
T_fix(base))`` with no swap::

    [dict(type='LoadImageFromFile'),
     dict(type='RandomSeparatedCrops', radius=80, crop_size=224),
     dict(type='MultiView', num_views=[1, 1], transforms=[
         [dict(type='ViewBoxCrop', index=0), *t_fix],
         [dict(type='ViewBoxCrop', index=1), *t_fix]]),
     dict(type='PackInputs')]
"""
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmmlc.registry import TRANSFORMS
from .box_ops import crop_with_padding
from .object_crops import _set_crop, _single_image
from .select_box import FallbackCounter, sample_name

# The reference redraws the base box up to 9,999 times and makes 101
# partner attempts; the clean mode needs far fewer (its draws are valid).
_FAITHFUL_BASE_DRAWS = 10000
_FAITHFUL_PARTNER_ATTEMPTS = 101
_BASE_CHUNK = 64


@TRANSFORMS.register_module()
class RandomSeparatedCrops(BaseTransform):
    """Draw a base square and a partner square ``radius`` px away.

    Crop side: ``crop_size``, or ``int(min(W, H) / 2)`` when ``W`` or ``H``
    is below ``1.2 * crop_size`` (both modes, as the reference).

    Faithful (``faithful=True``, the reference with its radius bug fixed):
    the base top-left is drawn from ``U{cs..W} x U{cs..H}`` (lower bound
    ``cs``, not 0), redrawn up to 9,999 times until the square is strictly
    inside the image (else the last, unsafe draw is kept; its outside part
    is black); then up to 101 attempts draw two *independent* angles
    ``2 pi U{0..100} / 100`` for ``dx = r cos(t1)``, ``dy = r sin(t2)`` and
    accept candidate A (top-left at base + (dx, dy)) or else candidate B
    (bottom-right at base - (dx, dy)) if strictly inside.

    Clean (default; fixes quirk 10 of
    docs/reference/object_aware_cropping.md (Quirks and switches)): the
    base is uniform over all positions inside the image, the offset is on
    the circle (``dx, dy = r cos t, r sin t`` with one uniform angle), and
    the partner must lie inside the image.

    No partner found: both views are the whole image (the reference uses
    T_scene there; here the view pipelines stay as configured), counted
    and logged.

    Required keys: ``img``. Added: ``view_boxes`` (float32 ``(2, 4)``:
    partner, base), ``separated_fallback`` (bool).

    Args:
        radius (int | Sequence[int]): Distance r in pixels, or a range
            ``(lo, hi)`` to draw r from ``U{lo..hi-1}`` per sample.
            Defaults to 80.
        crop_size (int): Side of the squares. Defaults to 224.
        faithful (bool): Reference sampling. Defaults to False.
        max_attempts (int): Partner attempts in clean mode. Defaults to 100.
        log_interval (int): Log the fallback count every this many
            fallbacks. Defaults to 100.
    """

    def __init__(self,
                 radius: Union[int, Sequence[int]] = 80,
                 crop_size: int = 224,
                 faithful: bool = False,
                 max_attempts: int = 100,
                 log_interval: int = 100):
        if isinstance(radius, (int, np.integer)):
            radius = (int(radius), int(radius) + 1)
        radius = tuple(int(r) for r in radius)
        if len(radius) != 2 or radius[0] < 0 or radius[1] <= radius[0]:
            raise ValueError(
                'radius must be an int >= 0 or a non-empty range (lo, hi) '
                f'with 0 <= lo < hi, got {radius} (the reference default '
                '[80, 80] is empty: use 80 or (80, 81)).')
        if crop_size < 1 or max_attempts < 1:
            raise ValueError('crop_size and max_attempts must be >= 1.')
        self.radius = radius
        self.crop_size = crop_size
        self.faithful = faithful
        self.max_attempts = max_attempts
        self.fallbacks = FallbackCounter('RandomSeparatedCrops',
                                         log_interval)

    def side(self, width: int, height: int) -> int:
        """Crop side for an image (the reference's rule, both modes).

        Args:
            width (int): Image width.
            height (int): Image height.

        Returns:
            int: The square's side.
        """
        if width < 1.2 * self.crop_size or height < 1.2 * self.crop_size:
            return max(int(min(width, height) / 2), 1)
        return self.crop_size

    @cache_randomness
    def draw(self, width: int,
             height: int) -> Tuple[np.ndarray, np.ndarray, bool]:
        """Draw base and partner squares.

        Args:
            width (int): Image width.
            height (int): Image height.

        Returns:
            tuple: ``partner`` and ``base`` float64 ``(4,)`` boxes and
            whether a partner was found.
        """
        cs = self.side(width, height)
        r = np.random.randint(*self.radius)
        if self.faithful:
            return self._draw_faithful(width, height, cs, r)
        return self._draw_clean(width, height, cs, r)

    @staticmethod
    def _draw_faithful(width: int, height: int, cs: int,
                       r: int) -> Tuple[np.ndarray, np.ndarray, bool]:
        """Reference sampling (see the class docstring)."""
        # A first small batch of draws usually holds a valid base; the rest
        # of the reference's 10,000 draws are made only when it does not.
        for num in (_BASE_CHUNK, _FAITHFUL_BASE_DRAWS - _BASE_CHUNK):
            xs = np.random.randint(cs, width + 1, size=num)
            ys = np.random.randint(cs, height + 1, size=num)
            inside = ((xs > 0) & (xs + cs < width) & (ys > 0)
                      & (ys + cs < height))
            if inside.any():
                break
        first = int(np.argmax(inside)) if inside.any() else -1
        x, y = float(xs[first]), float(ys[first])
        base = np.array([x, y, x + cs, y + cs])
        steps = np.random.randint(0, 101, size=(_FAITHFUL_PARTNER_ATTEMPTS, 2))
        dx = r * np.cos(2 * np.pi * steps[:, 0] / 100)
        dy = r * np.sin(2 * np.pi * steps[:, 1] / 100)
        # Attempt k tries candidate A (top-left at base + d), then B
        # (bottom-right at base - d): interleave them in that order.
        tl_a = np.stack([x + dx, y + dy], axis=1)
        tl_b = np.stack([x - dx - cs, y - dy - cs], axis=1)
        top_left = np.stack([tl_a, tl_b], axis=1).reshape(-1, 2)
        cands = np.concatenate([top_left, top_left + cs], axis=1)
        ok = ((cands[:, 0] > 0) & (cands[:, 1] > 0) & (cands[:, 2] < width)
              & (cands[:, 3] < height))
        if not ok.any():
            return base, base, False
        return cands[int(np.argmax(ok))], base, True

    def _draw_clean(self, width: int, height: int, cs: int,
                    r: int) -> Tuple[np.ndarray, np.ndarray, bool]:
        """Uniform base inside the image, partner on the circle."""
        x = float(np.random.randint(0, width - cs + 1))
        y = float(np.random.randint(0, height - cs + 1))
        base = np.array([x, y, x + cs, y + cs])
        theta = np.random.uniform(0, 2 * np.pi, size=self.max_attempts)
        px, py = x + r * np.cos(theta), y + r * np.sin(theta)
        ok = (px >= 0) & (py >= 0) & (px <= width - cs) & (py <= height - cs)
        if not ok.any():
            return base, base, False
        i = int(np.argmax(ok))
        return np.array([px[i], py[i], px[i] + cs, py[i] + cs]), base, True

    def transform(self, results: dict) -> dict:
        """Write ``view_boxes`` (partner, base) for the two views.

        Args:
            results (dict): Result dict with ``img``.

        Returns:
            dict: ``results`` with ``view_boxes``.
        """
        img = _single_image(results, 'RandomSeparatedCrops')
        height, width = img.shape[:2]
        partner, base, found = self.draw(width, height)
        if not found:
            self.fallbacks.add(
                sample_name(results),
                f'no separated pair of radius {self.radius} fits '
                f'{width}x{height}')
            partner = base = np.array([0, 0, width, height], np.float64)
        results['view_boxes'] = np.stack([partner, base]).astype(np.float32)
        results['separated_fallback'] = not found
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(radius={self.radius}, '
                f'crop_size={self.crop_size}, faithful={self.faithful})')


@TRANSFORMS.register_module()
class ViewBoxCrop(BaseTransform):
    """Cut ``results['view_boxes'][index]`` (PIL ``crop`` semantics).

    Coordinates are rounded as PIL's ``crop`` does (half to even); the part
    of the box outside the image is ``pad_value``.

    Required keys: ``img``, ``view_boxes``. Modified: ``img``,
    ``img_shape``. Added: ``crop_box``.

    Args:
        index (int): Which view box (0: partner, 1: base for
            :class:`RandomSeparatedCrops`).
        pad_value (int): Fill outside the image. Defaults to 0.
    """

    def __init__(self, index: int, pad_value: Union[int, float] = 0):
        self.index = index
        self.pad_value = pad_value

    def transform(self, results: dict) -> dict:
        """Crop the image to the chosen view box.

        Args:
            results (dict): Result dict.

        Returns:
            dict: ``results`` with the crop.

        Raises:
            KeyError: If ``view_boxes`` is missing or too short.
        """
        img = _single_image(results, 'ViewBoxCrop')
        boxes = results.get('view_boxes')
        if boxes is None or len(boxes) <= self.index:
            raise KeyError(
                f'ViewBoxCrop(index={self.index}): {sample_name(results)} '
                'has no such view box; put RandomSeparatedCrops before '
                'MultiView.')
        box = np.round(np.asarray(boxes[self.index], np.float64))
        box = box.astype(np.int64)
        return _set_crop(results, crop_with_padding(img, box, self.pad_value),
                         box)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(index={self.index})'

"""Crop arithmetic of object-aware cropping, as pure functions.

Two modes, both on boxes ``x1, y1, x2, y2`` (vectorised over leading
dimensions, so ``(4,)`` and ``(N, 4)`` both work):

* **faithful** (``docs/reference/object_aware_cropping.md`` (Crop
  arithmetic)): the reference code's integer arithmetic, quirks included:
  truncated pixel
  boxes, dilation by ``delta`` times each edge's distance from the image
  origin, the 224-px minimum-size expansion with its four cases, no
  clipping, and PIL ``crop`` semantics (black outside the image).
* **clean** (the default of the transforms; fixes quirks 3 and 4 of
  ``docs/reference/object_aware_cropping.md`` (Quirks and switches)):
  dilation relative to the box size, everything clipped to the image, a
  minimum-size expansion that keeps the box inside the image, and a dilated
  crop that always contains the undilated one.

The crop is returned at native resolution; resizing belongs to the view
transform.
"""
from typing import Tuple, Union

import numpy as np

from .box_geometry import ArrayLike, as_boxes


def floor_pixel_boxes(boxes: ArrayLike) -> np.ndarray:
    """Pixel boxes to the reference's integers: ``int()``, i.e. truncation.

    The reference computes ``int(XMin * W)`` etc. for OpenImages' normalised
    boxes and ``int(x)`` for COCO's pixel boxes; datasets give pixels
    ``XMin * W`` in float64, so truncating them is the same.

    Args:
        boxes (ArrayLike): ``(..., 4)`` pixel boxes.

    Returns:
        np.ndarray: int64 boxes.
    """
    return np.trunc(as_boxes(boxes)).astype(np.int64)


def dilate_origin_scaled(boxes: ArrayLike, dilation: float) -> np.ndarray:
    """The reference's dilation, scaled by the distance to the origin.

    ``x1 -= int(d * x1), y1 -= int(d * y1), x2 += int(d * x2),
    y2 += int(d * y2)``: a box touching the top-left corner does not grow up
    or left, one near the bottom-right border grows past it. Not clipped.

    Args:
        boxes (ArrayLike): int ``(..., 4)`` boxes.
        dilation (float): delta, e.g. 0.2. 0 returns the boxes unchanged.

    Returns:
        np.ndarray: int64 dilated boxes.
    """
    boxes = as_boxes(boxes, np.int64)
    if dilation <= 0:
        return boxes
    step = np.trunc(dilation * boxes.astype(np.float64)).astype(np.int64)
    sign = np.array([-1, -1, 1, 1], dtype=np.int64)
    return boxes + sign * step


def _expand_axis_faithful(lo: np.ndarray, hi: np.ndarray, length: int,
                          min_size: int,
                          expand: int) -> Tuple[np.ndarray, np.ndarray]:
    """One axis of :func:`expand_min_size_faithful`."""
    small = (hi - lo) < min_size
    room_before = lo - expand > 0
    lo2 = np.where(room_before, lo - expand, 0)
    hi2 = np.where(room_before, hi, min_size)
    room_after = hi2 + expand < length
    lo3 = np.where(room_after, lo2, hi2 - min_size)
    hi3 = np.where(room_after, hi2 + expand, hi2)
    return np.where(small, lo3, lo), np.where(small, hi3, hi)


def expand_min_size_faithful(boxes: ArrayLike,
                             width: int,
                             height: int,
                             min_size: int = 224,
                             expand: int = 112) -> np.ndarray:
    """The reference's minimum-size expansion, per axis.

    For x (y alike with H): a side ``>= min_size`` is kept. Otherwise
    ``x1 -= expand`` if that stays ``> 0``, else ``x1 = 0, x2 = min_size``;
    then ``x2 += expand`` if that stays ``< W``, else ``x1 = x2 - min_size``.
    Cases (a) ``[x1-h, x2+h]``, (b) ``[0, 336]``, (c) ``[0, 224]`` (may
    exceed a small image or cut the object), (d) ``[x2-224, x2]``.

    Args:
        boxes (ArrayLike): int ``(..., 4)`` boxes.
        width (int): Image width W.
        height (int): Image height H.
        min_size (int): S, the minimum crop side. Defaults to 224.
        expand (int): h, the context added per side. Defaults to 112.

    Returns:
        np.ndarray: int64 crop boxes, every side ``>= min_size``.
    """
    boxes = as_boxes(boxes, np.int64)
    x1, x2 = _expand_axis_faithful(boxes[..., 0], boxes[..., 2], width,
                                   min_size, expand)
    y1, y2 = _expand_axis_faithful(boxes[..., 1], boxes[..., 3], height,
                                   min_size, expand)
    return np.stack([x1, y1, x2, y2], axis=-1)


def faithful_crop_box(boxes: ArrayLike,
                      width: int,
                      height: int,
                      dilation: float = 0.0,
                      min_size: int = 224,
                      expand: int = 112) -> np.ndarray:
    """Reference crop of pixel boxes: truncate, dilate, expand.

    The fidelity vectors of ``docs/reference/object_aware_cropping.md``
    (Fidelity vectors) are stated for this function.

    Args:
        boxes (ArrayLike): ``(..., 4)`` pixel boxes (any float).
        width (int): Image width.
        height (int): Image height.
        dilation (float): delta. Defaults to 0.
        min_size (int): S, the minimum crop side. Defaults to 224.
        expand (int): h, the context per side. Defaults to 112.

    Returns:
        np.ndarray: int64 crop boxes; may extend outside the image (the
        region outside is black in the crop, as PIL's ``crop``).
    """
    boxes = dilate_origin_scaled(floor_pixel_boxes(boxes), dilation)
    return expand_min_size_faithful(boxes, width, height, min_size, expand)


def clip_boxes(boxes: ArrayLike, width: float, height: float) -> np.ndarray:
    """Clip float boxes to the image ``[0, W] x [0, H]``.

    Args:
        boxes (ArrayLike): ``(..., 4)`` boxes.
        width (float): Image width.
        height (float): Image height.

    Returns:
        np.ndarray: float64 clipped boxes.
    """
    boxes = as_boxes(boxes)
    limit = np.array([width, height, width, height], dtype=np.float64)
    return np.clip(boxes, 0.0, limit)


def dilate_box_relative(boxes: ArrayLike, dilation: float, width: float,
                        height: float) -> np.ndarray:
    """Clean dilation: each side moves out by ``delta * w / 2`` (or ``h``).

    The box grows by the factor ``1 + delta`` per axis around its centre,
    then is clipped to the image (fixes quirk 3).

    Args:
        boxes (ArrayLike): ``(..., 4)`` float boxes.
        dilation (float): delta.
        width (float): Image width.
        height (float): Image height.

    Returns:
        np.ndarray: float64 dilated, clipped boxes.
    """
    boxes = as_boxes(boxes)
    half_w = 0.5 * dilation * (boxes[..., 2] - boxes[..., 0])
    half_h = 0.5 * dilation * (boxes[..., 3] - boxes[..., 1])
    grow = np.stack([-half_w, -half_h, half_w, half_h], axis=-1)
    return clip_boxes(boxes + grow, width, height)


def _expand_axis_clean(lo: np.ndarray, hi: np.ndarray, length: float,
                       min_size: float,
                       expand: float) -> Tuple[np.ndarray, np.ndarray]:
    """Clean minimum-size expansion on one axis; see the caller."""
    side = hi - lo
    target = np.where(side < min_size,
                      np.maximum(side + 2 * expand, min_size), side)
    target = np.minimum(target, length)
    start = np.clip(0.5 * (lo + hi) - 0.5 * target, 0.0, length - target)
    return start, start + target


def expand_min_size_clean(boxes: ArrayLike,
                          width: float,
                          height: float,
                          min_size: float = 224,
                          expand: float = 112) -> np.ndarray:
    """Clean minimum-size expansion that keeps the crop inside the image.

    Per axis, a side below ``min_size`` becomes ``max(side + 2 * expand,
    min_size)`` (the reference's context of ``expand`` per side, and at
    least ``min_size``), capped at the image side, centred on the box and
    shifted to lie inside the image. The result contains the (clipped) box.

    Args:
        boxes (ArrayLike): ``(..., 4)`` boxes inside the image.
        width (float): Image width.
        height (float): Image height.
        min_size (float): Minimum crop side. Defaults to 224.
        expand (float): Context added per side. Defaults to 112.

    Returns:
        np.ndarray: float64 crop boxes inside the image.
    """
    boxes = as_boxes(boxes)
    x1, x2 = _expand_axis_clean(boxes[..., 0], boxes[..., 2], width,
                                min_size, expand)
    y1, y2 = _expand_axis_clean(boxes[..., 1], boxes[..., 3], height,
                                min_size, expand)
    return np.stack([x1, y1, x2, y2], axis=-1)


def to_pixel_grid(boxes: ArrayLike, width: int, height: int) -> np.ndarray:
    """Round float boxes outward to whole pixels inside the image.

    ``floor`` the top-left and ``ceil`` the bottom-right (so the result
    contains the input), clip, and keep at least one pixel per side.

    Args:
        boxes (ArrayLike): ``(..., 4)`` float boxes.
        width (int): Image width (>= 1).
        height (int): Image height (>= 1).

    Returns:
        np.ndarray: int64 boxes with ``0 <= x1 < x2 <= W``, same for y.
    """
    boxes = clip_boxes(boxes, width, height)
    x1 = np.minimum(np.floor(boxes[..., 0]), width - 1)
    y1 = np.minimum(np.floor(boxes[..., 1]), height - 1)
    x2 = np.maximum(np.ceil(boxes[..., 2]), x1 + 1)
    y2 = np.maximum(np.ceil(boxes[..., 3]), y1 + 1)
    return np.stack([x1, y1, x2, y2], axis=-1).astype(np.int64)


def clean_crop_box(boxes: ArrayLike,
                   width: int,
                   height: int,
                   dilation: float = 0.0,
                   min_size: float = 224,
                   expand: float = 112) -> np.ndarray:
    """Clean object crop (``dilation=0``) or dilated object crop.

    ``C0 = expand(clip(box))``; with ``dilation > 0`` the dilated crop is
    ``union(C0, expand(dilate(clip(box))))``, so it always contains the
    object crop (fixes quirk 4, where the 224-px expansion can make the
    "dilated" crop smaller than the undilated one).

    Args:
        boxes (ArrayLike): ``(..., 4)`` pixel boxes.
        width (int): Image width.
        height (int): Image height.
        dilation (float): delta (relative to the box size). Defaults to 0.
        min_size (float): Minimum crop side when the image allows.
            Defaults to 224.
        expand (float): Context per side for small boxes. Defaults to 112.

    Returns:
        np.ndarray: int64 crop boxes inside the image, containing the box.
    """
    boxes = clip_boxes(boxes, width, height)
    crop = expand_min_size_clean(boxes, width, height, min_size, expand)
    if dilation > 0:
        dilated = expand_min_size_clean(
            dilate_box_relative(boxes, dilation, width, height), width,
            height, min_size, expand)
        crop = np.concatenate(
            [np.minimum(crop[..., :2], dilated[..., :2]),
             np.maximum(crop[..., 2:], dilated[..., 2:])],
            axis=-1)
    return to_pixel_grid(crop, width, height)


def crop_with_padding(img: np.ndarray,
                      box: ArrayLike,
                      pad_value: Union[int, float] = 0) -> np.ndarray:
    """PIL ``Image.crop`` semantics on an ``HxWxC`` array.

    Local rather than ``mmcv.imcrop``, whose boxes include ``x2`` and
    ``y2``: the reference crops with PIL's exclusive right and bottom edges.

    The output has size ``(y2 - y1, x2 - x1)``; the part of the box outside
    the image is filled with ``pad_value`` (PIL fills black). A box inside
    the image is a plain slice (copied, so later in-place ops are safe).

    Args:
        img (np.ndarray): ``(H, W)`` or ``(H, W, C)`` image.
        box (ArrayLike): int ``x1, y1, x2, y2`` with ``x2 > x1, y2 > y1``.
        pad_value (int | float): Fill value outside the image. Defaults
            to 0.

    Returns:
        np.ndarray: The crop, same dtype and channels as ``img``.

    Raises:
        ValueError: If the box is empty.
    """
    x1, y1, x2, y2 = (int(v) for v in np.asarray(box).reshape(4))
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f'Cannot crop the empty box {[x1, y1, x2, y2]}.')
    height, width = img.shape[:2]
    if x1 >= 0 and y1 >= 0 and x2 <= width and y2 <= height:
        return np.ascontiguousarray(img[y1:y2, x1:x2])
    out = np.full((y2 - y1, x2 - x1) + img.shape[2:], pad_value, img.dtype)
    ix1, iy1 = max(x1, 0), max(y1, 0)
    ix2, iy2 = min(x2, width), min(y2, height)
    if ix2 > ix1 and iy2 > iy1:
        out[iy1 - y1:iy2 - y1, ix1 - x1:ix2 - x1] = img[iy1:iy2, ix1:ix2]
    return out

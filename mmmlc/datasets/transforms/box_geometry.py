"""Box geometry on ``x1, y1, x2, y2`` arrays (vectorised, pure numpy).

Local rather than ``torchvision.ops``: data pipelines stay in numpy, and
these broadcast element by element (torchvision's ``box_iou`` is pairwise,
on tensors).
"""
from typing import Sequence, Union

import numpy as np

ArrayLike = Union[np.ndarray, Sequence[float]]


def as_boxes(boxes: ArrayLike, dtype=np.float64) -> np.ndarray:
    """Return ``boxes`` as an array whose last axis has 4 entries.

    Args:
        boxes (ArrayLike): ``(..., 4)`` boxes.
        dtype: Output dtype. Defaults to float64.

    Returns:
        np.ndarray: A copy with the requested dtype.

    Raises:
        ValueError: If the last axis does not have 4 entries.
    """
    array = np.array(boxes, dtype=dtype)
    if array.ndim == 0 or array.shape[-1] != 4:
        raise ValueError(
            f'Expected boxes of shape (..., 4) as x1, y1, x2, y2, got shape '
            f'{array.shape}.')
    return array


def box_area(boxes: ArrayLike) -> np.ndarray:
    """Area of ``(..., 4)`` boxes (0 for inverted ones).

    Args:
        boxes (ArrayLike): Boxes.

    Returns:
        np.ndarray: float64 areas, shape ``(...)``.
    """
    boxes = as_boxes(boxes)
    return (np.clip(boxes[..., 2] - boxes[..., 0], 0, None) *
            np.clip(boxes[..., 3] - boxes[..., 1], 0, None))


def box_intersection(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Intersection area of boxes ``a`` and ``b`` (broadcast pairwise).

    Args:
        a (ArrayLike): ``(..., 4)`` boxes.
        b (ArrayLike): ``(..., 4)`` boxes.

    Returns:
        np.ndarray: float64 intersection areas.
    """
    a, b = as_boxes(a), as_boxes(b)
    inter = np.concatenate(
        [np.maximum(a[..., :2], b[..., :2]),
         np.minimum(a[..., 2:], b[..., 2:])],
        axis=-1)
    return box_area(inter)


def box_iou(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Intersection over union of boxes ``a`` and ``b`` (broadcast).

    Args:
        a (ArrayLike): ``(..., 4)`` boxes.
        b (ArrayLike): ``(..., 4)`` boxes.

    Returns:
        np.ndarray: float64 IoU; 0 where the union is empty.
    """
    inter = box_intersection(a, b)
    union = box_area(a) + box_area(b) - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def box_contains(outer: ArrayLike, inner: ArrayLike) -> np.ndarray:
    """Whether each ``outer`` box contains the matching ``inner`` box.

    Args:
        outer (ArrayLike): ``(..., 4)`` boxes.
        inner (ArrayLike): ``(..., 4)`` boxes.

    Returns:
        np.ndarray: bool array of shape ``(...)``.
    """
    outer, inner = as_boxes(outer), as_boxes(inner)
    return ((outer[..., 0] <= inner[..., 0]) & (outer[..., 1] <= inner[..., 1])
            & (outer[..., 2] >= inner[..., 2]) &
            (outer[..., 3] >= inner[..., 3]))

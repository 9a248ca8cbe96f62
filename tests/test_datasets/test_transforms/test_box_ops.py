"""Crop arithmetic: fidelity vectors (faithful) and invariants.

Vectors and invariants: docs/reference/object_aware_cropping.md
(Fidelity vectors, Invariants).
"""
import numpy as np
import pytest
from PIL import Image

from mmmlc.datasets.transforms import box_geometry, box_ops

# (W, H), (XMin, XMax, YMin, YMax), delta -> crop (x1, y1, x2, y2).
VECTORS = [
    ('T1', (1024, 768), (0.40, 0.45, 0.50, 0.60), 0.0, (297, 272, 572, 572)),
    ('T1', (1024, 768), (0.40, 0.45, 0.50, 0.60), 0.2, (328, 308, 552, 552)),
    ('T2', (1024, 768), (0.05, 0.10, 0.05, 0.10), 0.0, (0, 0, 336, 336)),
    ('T2', (1024, 768), (0.05, 0.10, 0.05, 0.10), 0.2, (0, 0, 336, 336)),
    ('T3', (1024, 768), (0.90, 0.98, 0.90, 0.98), 0.0, (779, 528, 1003, 752)),
    ('T3', (1024, 768), (0.90, 0.98, 0.90, 0.98), 0.2,
     (737, 553, 1203, 902)),
    ('T4', (300, 200), (0.5, 0.6, 0.5, 0.6), 0.0, (38, 0, 292, 224)),
    ('T4', (300, 200), (0.5, 0.6, 0.5, 0.6), 0.2, (-8, 0, 216, 224)),
    ('T5', (1000, 1000), (0.0, 0.5, 0.0, 0.5), 0.2, (0, 0, 600, 600)),
    ('T6', (1024, 768), (0.0, 1.0, 0.0, 1.0), 0.2, (0, 0, 1228, 921)),
]


def _pixels(box, width, height):
    """(XMin, XMax, YMin, YMax) to float64 pixels, as datasets give them."""
    xmin, xmax, ymin, ymax = np.moveaxis(np.asarray(box, np.float64), -1, 0)
    return np.stack(
        [xmin * width, ymin * height, xmax * width, ymax * height], axis=-1)


@pytest.mark.parametrize('name,size,box,delta,expected', VECTORS)
def test_fidelity_vectors_exact(name, size, box, delta, expected):
    width, height = size
    crop = box_ops.faithful_crop_box(
        _pixels(box, width, height), width, height, delta)
    assert tuple(crop.tolist()) == expected, name


def test_fidelity_vectors_vectorised():
    for (width, height) in {v[1] for v in VECTORS}:
        rows = [v for v in VECTORS if v[1] == (width, height)]
        for delta in (0.0, 0.2):
            sub = [v for v in rows if v[3] == delta]
            if not sub:
                continue
            boxes = _pixels([v[2] for v in sub], width, height)
            crops = box_ops.faithful_crop_box(boxes, width, height, delta)
            assert crops.tolist() == [list(v[4]) for v in sub]


def _random_boxes(rng, num):
    sizes = rng.integers(40, 1200, size=(num, 2))
    xs = np.sort(rng.random((num, 2)), axis=1)
    ys = np.sort(rng.random((num, 2)), axis=1)
    return sizes, xs, ys


def test_faithful_invariants():
    """The invariants on 3000 random boxes and image sizes."""
    rng = np.random.default_rng(0)
    sizes, xs, ys = _random_boxes(rng, 3000)
    for (width, height), (x0, x1), (y0, y1) in zip(sizes, xs, ys):
        width, height = int(width), int(height)
        pixels = _pixels((x0, x1, y0, y1), width, height)
        base = box_ops.floor_pixel_boxes(pixels)
        c0 = box_ops.faithful_crop_box(pixels, width, height, 0.0)
        cd = box_ops.faithful_crop_box(pixels, width, height, 0.2)
        for crop in (c0, cd):
            assert crop[2] - crop[0] >= 224 and crop[3] - crop[1] >= 224
        if min(width, height) >= 336:
            assert c0[0] >= 0 and c0[1] >= 0
            assert c0[2] <= width and c0[3] <= height
        if min(width, height) > 336:
            assert box_geometry.box_contains(c0, base)
        dilated = box_ops.dilate_origin_scaled(base, 0.2)
        step = np.abs(dilated - base)
        assert step.tolist() == [int(0.2 * v) for v in base.tolist()]
        if (dilated[2] - dilated[0] >= 224 and dilated[3] - dilated[1] >= 224):
            assert cd.tolist() == dilated.tolist()


@pytest.mark.parametrize('min_size,expand', [(224, 112), (64, 32)])
def test_clean_properties(min_size, expand):
    """Clean mode on 3000 random boxes: the invariants and quirk fixes."""
    rng = np.random.default_rng(1)
    sizes, xs, ys = _random_boxes(rng, 3000)
    for (width, height), (x0, x1), (y0, y1) in zip(sizes, xs, ys):
        width, height = int(width), int(height)
        box = np.array([x0 * width, y0 * height, x1 * width, y1 * height])
        c0 = box_ops.clean_crop_box(box, width, height, 0.0, min_size,
                                    expand)
        cd = box_ops.clean_crop_box(box, width, height, 0.2, min_size,
                                    expand)
        for crop in (c0, cd):
            assert crop[0] >= 0 and crop[1] >= 0
            assert crop[2] <= width and crop[3] <= height
            assert box_geometry.box_contains(crop, box)
            assert crop[2] - crop[0] >= min(min_size, width)
            assert crop[3] - crop[1] >= min(min_size, height)
        assert box_geometry.box_contains(cd, c0)
        dilated = box_ops.dilate_box_relative(box, 0.2, width, height)
        assert box_geometry.box_contains(cd, dilated)


def test_clean_values():
    # A 50 x 20 box in a 300 x 200 image, min_size 64, expand 32.
    box = [100, 100, 150, 120]
    assert box_ops.clean_crop_box(box, 300, 200, 0.0, 64, 32).tolist() == [
        68, 68, 182, 152
    ]
    # Near the border the crop shifts inside instead of leaving the image.
    assert box_ops.clean_crop_box([0, 0, 10, 10], 300, 200, 0.0, 64,
                                  32).tolist() == [0, 0, 74, 74]
    # Large box: dilation grows each side by delta * side / 2, clipped.
    assert box_ops.clean_crop_box([100, 50, 200, 150], 300, 200, 0.2, 64,
                                  32).tolist() == [90, 40, 210, 160]
    assert box_ops.dilate_box_relative([0, 0, 100, 100], 0.2, 300,
                                       200).tolist() == [0, 0, 110, 110]


def test_crop_with_padding_matches_pil():
    rng = np.random.default_rng(2)
    img = rng.integers(0, 255, size=(37, 53, 3), dtype=np.uint8)
    pil = Image.fromarray(img)
    for _ in range(200):
        x1, y1 = rng.integers(-60, 60, size=2)
        x2 = x1 + rng.integers(1, 90)
        y2 = y1 + rng.integers(1, 90)
        box = (int(x1), int(y1), int(x2), int(y2))
        ours = box_ops.crop_with_padding(img, box)
        assert np.array_equal(ours, np.asarray(pil.crop(box))), box
    grey = img[..., 0]
    assert box_ops.crop_with_padding(grey, (-2, -2, 3, 3), 7)[0, 0] == 7
    with pytest.raises(ValueError, match='empty'):
        box_ops.crop_with_padding(img, (5, 5, 5, 9))


def test_box_helpers():
    a = np.array([0, 0, 10, 10])
    b = np.array([5, 5, 15, 15])
    assert box_geometry.box_iou(a, b) == pytest.approx(25 / 175)
    assert box_geometry.box_iou(a, [20, 20, 30, 30]) == 0
    areas = box_geometry.box_area([[0, 0, 2, 3], [3, 3, 1, 1]])
    assert areas.tolist() == [6, 0]
    with pytest.raises(ValueError, match=r'\(\.\.\., 4\)'):
        box_geometry.box_area([1, 2, 3])

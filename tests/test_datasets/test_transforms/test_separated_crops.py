"""RandomSeparatedCrops + ViewBoxCrop (random separated crops)."""
import numpy as np
import pytest

from mmmlc.datasets.transforms import RandomSeparatedCrops, ViewBoxCrop


def _img(width, height):
    return np.full((height, width, 3), 9, np.uint8)


def test_clean_pair_on_circle_inside_image():
    np.random.seed(0)
    sep = RandomSeparatedCrops(radius=80, crop_size=224)
    for _ in range(200):
        out = sep(dict(img=_img(640, 480)))
        partner, base = out['view_boxes'].astype(np.float64)
        assert not out['separated_fallback']
        assert np.allclose(partner[2:] - partner[:2], 224)
        assert np.allclose(base[2:] - base[:2], 224)
        assert np.hypot(*(partner[:2] - base[:2])) == pytest.approx(80,
                                                                    abs=1e-3)
        for box in (partner, base):
            assert box[0] >= 0 and box[1] >= 0
            assert box[2] <= 640 and box[3] <= 480


def test_faithful_pair_independent_angles_strictly_inside():
    np.random.seed(1)
    sep = RandomSeparatedCrops(radius=80, crop_size=224, faithful=True)
    distances = []
    for _ in range(200):
        out = sep(dict(img=_img(700, 600)))
        partner, base = out['view_boxes'].astype(np.float64)
        assert not out['separated_fallback']
        # Base top-left drawn from U{cs..W}: never left of / above cs.
        assert base[0] >= 224 and base[1] >= 224
        assert base[2] < 700 and base[3] < 600
        assert partner[0] > 0 and partner[1] > 0
        assert partner[2] < 700 and partner[3] < 600
        offset = np.abs(partner[:2] - base[:2])
        # Candidate A: offset (dx, dy); candidate B: -(dx, dy) - cs.
        if np.all(offset <= 80 + 1e-4):
            distances.append(np.hypot(*offset))
    distances = np.array(distances)
    assert len(distances) > 100
    assert distances.max() <= 80 * np.sqrt(2) + 1e-3
    # Independent angles: the offset is not on the circle.
    assert (np.abs(distances - 80) > 1).mean() > 0.5


def test_small_image_side_and_fallback():
    sep = RandomSeparatedCrops(radius=10, crop_size=224)
    assert sep.side(200, 300) == 100 and sep.side(640, 480) == 224
    np.random.seed(2)
    out = sep(dict(img=_img(200, 300)))
    partner, base = out['view_boxes']
    assert np.allclose(base[2:] - base[:2], 100)
    sep = RandomSeparatedCrops(radius=500, crop_size=224)
    out = sep(dict(img=_img(640, 480), img_path='tiny.jpg'))
    assert out['separated_fallback']
    assert out['view_boxes'].tolist() == [[0, 0, 640, 480]] * 2
    assert sep.fallbacks.count == 1


def test_radius_range_and_errors():
    assert RandomSeparatedCrops(radius=(80, 90)).radius == (80, 90)
    with pytest.raises(ValueError, match='empty'):
        RandomSeparatedCrops(radius=[80, 80])


def test_view_box_crop_rounds_like_pil_and_pads():
    img = np.arange(20 * 30 * 3, dtype=np.int64).reshape(20, 30, 3)
    img = (img % 250 + 1).astype(np.uint8)
    boxes = np.array([[2.5, 3.5, 12.5, 13.5], [-5, -5, 5, 5]], np.float32)
    out = ViewBoxCrop(index=0)(dict(img=img, view_boxes=boxes))
    # round-half-to-even: 2.5 -> 2, 3.5 -> 4, 12.5 -> 12, 13.5 -> 14
    assert out['crop_box'].tolist() == [2, 4, 12, 14]
    assert np.array_equal(out['img'], img[4:14, 2:12])
    out = ViewBoxCrop(index=1)(dict(img=img, view_boxes=boxes))
    assert out['img'].shape == (10, 10, 3) and not out['img'][:5].any()
    with pytest.raises(KeyError, match='RandomSeparatedCrops'):
        ViewBoxCrop(index=0)(dict(img=img))

"""ObjectCrop / SceneCrop transforms."""
import numpy as np
import pytest

from mmmlc.datasets.transforms import ObjectCrop, SceneCrop
from mmmlc.registry import TRANSFORMS


def _results(img, box=None, **extra):
    results = dict(img=img.copy(), img_path='/x/img.jpg', **extra)
    if box is not None:
        results['object_box'] = np.asarray(box, np.float32)
    return results


def test_faithful_t4_crop_pixels_and_padding(ramp_image):
    # Fidelity vector T4: 300 x 200, box (0.5, 0.6, 0.5, 0.6), delta 0.2 ->
    # (-8, 0, 216, 224): 8 black columns left, 24 black rows below.
    box = [150.0, 100.0, 180.0, 120.0]
    out = ObjectCrop(dilation=0.2, faithful=True)(_results(ramp_image, box))
    assert out['crop_box'].tolist() == [-8, 0, 216, 224]
    crop = out['img']
    assert crop.shape == (224, 224, 3) and out['img_shape'] == (224, 224)
    assert not crop[:, :8].any() and not crop[200:].any()
    assert np.array_equal(crop[:200, 8:], ramp_image[:, :216])
    out = ObjectCrop(faithful=True)(_results(ramp_image, box))
    assert out['crop_box'].tolist() == [38, 0, 292, 224]
    assert np.array_equal(out['img'][:200], ramp_image[:, 38:292])


def test_clean_crop_is_a_slice_inside_the_image(ramp_image):
    box = [150.0, 100.0, 180.0, 120.0]
    out = ObjectCrop(dilation=0.2, min_size=64, expand=32)(
        _results(ramp_image, box))
    x1, y1, x2, y2 = out['crop_box'].tolist()
    assert 0 <= x1 <= 150 and 180 <= x2 <= 300
    assert 0 <= y1 <= 100 and 120 <= y2 <= 200
    assert np.array_equal(out['img'], ramp_image[y1:y2, x1:x2])
    # Default min_size 224 exceeds the 200 px height: the whole height.
    out = ObjectCrop()(_results(ramp_image, box))
    assert out['crop_box'].tolist()[1::2] == [0, 200]


def test_built_from_the_registry(ramp_image):
    built = TRANSFORMS.build(
        dict(type='ObjectCrop', dilation=0.2, faithful=True))
    out = built(_results(ramp_image, [150.0, 100.0, 180.0, 120.0]))
    assert out['crop_box'].tolist() == [-8, 0, 216, 224]


def test_fallback_and_missing_box(ramp_image):
    out = ObjectCrop()(_results(ramp_image, object_fallback=True))
    assert out['crop_box'].tolist() == [0, 0, 300, 200]
    assert np.array_equal(out['img'], ramp_image)
    with pytest.raises(KeyError, match='SelectObjectBox'):
        ObjectCrop()(_results(ramp_image))
    with pytest.raises(TypeError, match='MultiView'):
        ObjectCrop()(dict(img=[ramp_image, ramp_image], object_box=[0] * 4))
    with pytest.raises(ValueError, match='dilation'):
        ObjectCrop(dilation=-0.1)


def test_scene_crop(ramp_image):
    out = SceneCrop()(_results(ramp_image))
    assert out['img'] is not None and np.array_equal(out['img'], ramp_image)
    assert out['crop_box'].tolist() == [0, 0, 300, 200]

"""SwAV multi-crop (docs/reference/gaelle.md, "Multi-crop data") and its
object-aware option."""
import copy
import os.path as osp

import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401
from mmmlc.datasets import DigitScenesDataset
from mmmlc.datasets.transforms import BoxAwareRandomResizedCrop
from mmmlc.registry import TRANSFORMS

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
BASE = osp.join(REPO, 'configs', '_base_', 'datasets')


def _image(height=300, width=400, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


def _areas_and_ratios(transform, img, n, seed):
    np.random.seed(seed)
    areas, ratios, boxes = [], [], []
    for _ in range(n):
        out = transform(dict(img=img.copy()))
        x1, y1, x2, y2 = out['crop_box']
        areas.append((x2 - x1) * (y2 - y1) / (img.shape[0] * img.shape[1]))
        ratios.append((x2 - x1) / (y2 - y1))
        boxes.append(out['crop_box'])
    return np.array(areas), np.array(ratios), np.array(boxes)


@pytest.mark.parametrize('scale,size', [((0.14, 1.0), 224),
                                        ((0.05, 0.14), 96)])
def test_crop_scale_and_ratio_ranges(scale, size):
    transform = BoxAwareRandomResizedCrop(scale=size, crop_ratio_range=scale)
    img = _image()
    areas, ratios, boxes = _areas_and_ratios(transform, img, 1500, seed=1)
    # Rounding w and h to pixels moves the area by < 1% of a crop side.
    assert areas.min() >= scale[0] * 0.97 and areas.max() <= scale[1] * 1.01
    # Uniform in the area fraction where every aspect ratio fits the
    # 300 x 400 image (area <= 0.5625; larger draws are partly rejected
    # and redrawn, as in torchvision): quartiles of U(lo, top).
    lo, top = scale[0], min(scale[1], 0.5625)
    kept = areas[areas <= top]
    assert len(kept) > 0.5 * len(areas)
    q1, q2, q3 = np.quantile(kept, [0.25, 0.5, 0.75])
    for q, frac in ((q1, 0.25), (q2, 0.5), (q3, 0.75)):
        assert abs(q - (lo + frac * (top - lo))) < 0.05 * (top - lo) + 2e-3
    # Log-uniform aspect ratio in [3/4, 4/3]: median ~ 1.
    assert ratios.min() > 0.72 and ratios.max() < 1.39
    assert abs(np.median(np.log(ratios[areas <= top]))) < 0.03
    # Inside the image, uniform position: centres average to the middle.
    assert boxes[:, :2].min() >= 0
    assert (boxes[:, 2] <= 400).all() and (boxes[:, 3] <= 300).all()
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    assert abs(centre[:, 0].mean() - 200) < 8
    assert abs(centre[:, 1].mean() - 150) < 6


def test_plain_crop_equals_mmpretrain_random_resized_crop():
    img = _image(seed=3)
    ours = BoxAwareRandomResizedCrop(scale=96, crop_ratio_range=(0.05, 0.14))
    theirs = TRANSFORMS.get('RandomResizedCrop')(
        scale=96, crop_ratio_range=(0.05, 0.14), backend='pillow')
    for seed in range(5):
        np.random.seed(seed)
        a = ours(dict(img=img.copy()))['img']
        np.random.seed(seed)
        b = theirs(dict(img=img.copy()))['img']
        np.testing.assert_array_equal(a, b)


def test_swav_pipeline_gives_two_global_and_six_local_views():
    init_default_scope('mmmlc')
    cfg = Config.fromfile(osp.join(BASE, 'coco14_swav-mcrop.py'))
    multiview = cfg.train_pipeline[1]
    assert multiview.num_views == [2, 6]
    global_view, local_view = multiview.transforms
    assert (global_view[0].scale, global_view[0].crop_ratio_range) == (
        224, (0.14, 1.0))
    assert (local_view[0].scale, local_view[0].crop_ratio_range) == (
        96, (0.05, 0.14))
    # Spec order: crop, flip, colour jitter p=0.8, grayscale 0.2, blur 0.5.
    # The fast path's types (docs/benchmarks.md); fast=False is the plain.
    assert [t['type'] for t in global_view] == [
        'FastRandomResizedCrop', 'RandomFlip', 'RandomApply',
        'FastRandomGrayscale', 'FastGaussianBlur'
    ]
    jitter = global_view[2]
    assert jitter.prob == 0.8
    assert [jitter.transforms[0][k] for k in (
        'brightness', 'contrast', 'saturation', 'hue')] == [0.8, 0.8, 0.8,
                                                            0.2]
    assert global_view[3].prob == 0.2
    assert (global_view[4].prob, global_view[4].magnitude_range) == (
        0.5, (0.1, 2.0))
    # Everything but the file loading, on an in-memory image.
    pipeline = Compose(cfg.train_pipeline[1:])
    np.random.seed(0)
    out = pipeline(dict(img=_image(), img_path='x.jpg', ori_shape=(300, 400),
                        img_shape=(300, 400)))
    shapes = [tuple(v.shape) for v in out['inputs']]
    assert shapes == [(3, 224, 224)] * 2 + [(3, 96, 96)] * 6
    # The views differ (independent crops and photometric draws).
    assert not np.array_equal(out['inputs'][0], out['inputs'][1])


def _contains_box_point(crop_box, boxes):
    x1, y1, x2, y2 = crop_box
    return any(x1 < b[2] and b[0] < x2 and y1 < b[3] and b[1] < y2
               for b in boxes)


@pytest.fixture(scope='module')
def digit_scenes(tmp_path_factory):
    root = tmp_path_factory.mktemp('ds') / 'digit_scenes'
    return DigitScenesDataset(
        data_root=str(root), num_train=8, num_val=4, num_test=4)


def test_local_crops_around_gt_boxes_on_digit_scenes(digit_scenes):
    load = TRANSFORMS.build(dict(type='LoadImageFromFile'))
    plain = BoxAwareRandomResizedCrop(scale=32, crop_ratio_range=(0.05, 0.14))
    boxed = BoxAwareRandomResizedCrop(
        scale=32, crop_ratio_range=(0.05, 0.14), box_key='gt_bboxes')
    np.random.seed(0)
    hits = dict(plain=0, boxed=0)
    total = 0
    for index in range(len(digit_scenes)):
        sample = load(copy.deepcopy(digit_scenes.get_data_info(index)))
        boxes = sample['gt_bboxes']
        assert len(boxes) > 0
        for _ in range(40):
            out = boxed(copy.deepcopy(sample))
            assert out['img'].shape == (32, 32, 3)
            # The crop always contains a point of one of the boxes.
            assert _contains_box_point(out['crop_box'], boxes)
            hits['boxed'] += 1
            hits['plain'] += _contains_box_point(
                plain(copy.deepcopy(sample))['crop_box'], boxes)
            total += 1
    # Without boxes many small crops miss every digit.
    assert hits['plain'] < 0.9 * total


def test_select_object_box_then_multiview(digit_scenes):
    init_default_scope('mmmlc')
    cfg = Config.fromfile(osp.join(BASE, 'digit_scenes_swav-mcrop.py'))
    local_view = copy.deepcopy(cfg.local_view)
    local_view[0]['box_key'] = 'object_box'
    select = Compose([
        dict(type='LoadImageFromFile'),
        dict(type='SelectObjectBox', box_source='gt'),
    ])
    multiview = TRANSFORMS.build(
        dict(
            type='MultiView',
            num_views=[2, 6],
            transforms=[cfg.global_view, local_view]))
    boxed = Compose(local_view)
    np.random.seed(0)
    for index in range(len(digit_scenes)):
        info = digit_scenes.get_data_info(index)
        sample = select(copy.deepcopy(info))
        box = sample['object_box']
        assert any(np.allclose(box, b) for b in info['gt_bboxes'])
        out = multiview(copy.deepcopy(sample))
        assert [v.shape for v in out['img']] == [(64, 64, 3)] * 2 + [
            (32, 32, 3)
        ] * 6
        # Every local view of the sample centres on the selected box.
        for _ in range(10):
            view = boxed(copy.deepcopy(sample))
            assert view['img'].shape == (32, 32, 3)
            assert _contains_box_point(view['crop_box'], [box])


def test_missing_boxes_fall_back_and_are_counted():
    transform = BoxAwareRandomResizedCrop(
        scale=16, crop_ratio_range=(0.5, 1.0), box_key='proposals',
        log_interval=2)
    img = _image(40, 40)
    for _ in range(3):
        out = transform(dict(img=img.copy(), img_path='a.jpg',
                             proposals=np.zeros((0, 4), np.float32)))
        assert out['img'].shape == (16, 16, 3)
    assert transform.fallbacks.count == 3
    # object_box without a box (SelectObjectBox logged it): plain crop.
    transform = BoxAwareRandomResizedCrop(scale=16, box_key='object_box')
    out = transform(dict(img=img.copy(), object_fallback=True))
    assert out['img'].shape == (16, 16, 3)
    assert transform.fallbacks.count == 0


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match='box_key must be None or one of'):
        BoxAwareRandomResizedCrop(scale=96, box_key='boxes')
    with pytest.raises(ValueError, match='fraction of the image area'):
        BoxAwareRandomResizedCrop(scale=96, crop_ratio_range=(0.5, 1.5))
    with pytest.raises(TypeError, match='inside a MultiView'):
        BoxAwareRandomResizedCrop(scale=96)(dict(img=[_image()]))

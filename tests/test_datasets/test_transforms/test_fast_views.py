"""The fast view transforms compute what the plain ones do.

Same draws (crop boxes, view sizes, photometric decisions identical for a
seed), pixels within the OpenCV-vs-PIL rounding, colour statistics of the
views matching the reference-style torchvision pipeline, clear errors for
cut-off or corrupt JPEGs (docs/benchmarks.md, Data pipeline throughput).
"""
import copy
import os.path as osp
import random

import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image, ImageEnhance
from sklearn.datasets import load_sample_image

from mmmlc.datasets.transforms import LoadImageFast
from mmmlc.datasets.transforms.fast_views import (adjust_brightness_u8,
                                                  adjust_contrast_u8,
                                                  adjust_hue_u8,
                                                  adjust_saturation_u8,
                                                  blend_lut)
from mmmlc.datasets.transforms.loading import reduced_scale
from mmmlc.utils.pipeline_benchmark import plain_pipeline_cfg
from mmmlc.utils.reference_pipelines import mocov2_view, swav_view

PIPELINES = osp.join(osp.dirname(__file__), '..', '..', '..', 'configs',
                     '_base_', 'pipelines')


def _photo(width=160, height=120, which='china.jpg'):
    """A real photograph (scikit-learn's sample), BGR uint8."""
    rgb = np.asarray(Image.fromarray(load_sample_image(which)).resize(
        (width, height), Image.BILINEAR))
    return np.ascontiguousarray(rgb[..., ::-1])


def _seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _view_pipelines(name, view_size):
    """The fast and the plain view pipelines of a base, at a small size."""
    init_default_scope('mmmlc')
    cfg = Config.fromfile(osp.join(PIPELINES, name))
    views = (cfg.objobj_pipeline[2].transforms if name == 'mocov2_views.py'
             else cfg.train_pipeline[1].transforms)
    fast = copy.deepcopy([list(v) for v in views])
    for view in fast:
        for step in view:
            if 'RandomResizedCrop' in step['type']:
                step['scale'] = view_size
            if step['type'] == 'ObjectCrop':
                step.update(min_size=48, expand=24)
    return fast, plain_pipeline_cfg(fast)


def _run_view(view_cfg, img, seed):
    _seed(seed)
    box = np.array([30, 20, 90, 70], np.float32)
    return Compose(copy.deepcopy(view_cfg))(dict(
        img=img.copy(), img_path='photo.jpg', object_box=box,
        object_fallback=False))


@pytest.mark.parametrize('name', ['mocov2_views.py', 'swav_mcrop.py'])
def test_fast_and_plain_views_same_boxes_sizes_and_close_pixels(name):
    fast, plain = _view_pipelines(name, view_size=48)
    img = _photo()
    diffs = []
    for seed in range(12):
        for fast_view, plain_view in zip(fast, plain):
            a = _run_view(fast_view, img, seed)
            b = _run_view(plain_view, img, seed)
            np.testing.assert_array_equal(a['crop_box'], b['crop_box'])
            assert a['img'].shape == b['img'].shape
            assert a['img'].shape[:2] == (48, 48)
            assert a['img'].dtype == np.uint8
            diffs.append(np.abs(a['img'].astype(int) - b['img']).mean())
    # Same draws: the views differ only by OpenCV vs PIL rounding, area vs
    # widened-bilinear shrink, HSV and Gaussian kernel; a different draw
    # would differ by tens of grey levels.
    assert np.median(diffs) < 4.0
    assert max(diffs) < 12.0


def test_blend_lut_hand_computed():
    lut = blend_lut(0.0, 1.5)  # brightness 1.5
    assert (lut[100], lut[101], lut[200]) == (150, 151, 255)
    lut = blend_lut(100, 0.5)  # contrast 0.5 around grey 100
    assert (lut[0], lut[200], lut[101]) == (50, 150, 100)  # 100.5 truncated


def test_photometric_steps_match_pil():
    bgr = _photo(64, 48)
    pil = Image.fromarray(bgr[..., ::-1].copy())

    def theirs(enhancer, factor):
        return np.asarray(enhancer(pil).enhance(factor))[..., ::-1]

    np.testing.assert_array_equal(adjust_brightness_u8(bgr, 1.3),
                                  theirs(ImageEnhance.Brightness, 1.3))
    for ours, enhancer in ((adjust_contrast_u8, ImageEnhance.Contrast),
                           (adjust_saturation_u8, ImageEnhance.Color)):
        for factor in (0.6, 1.4):
            diff = np.abs(ours(bgr, factor).astype(int) -
                          theirs(enhancer, factor))
            assert diff.max() <= 2 and diff.mean() < 0.6
    # Hue: a shift of 0.25 turns (pure) red to yellow-green in both.
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 2] = 255
    shifted = adjust_hue_u8(red, 0.25)[0, 0]
    ref = Image.fromarray(red[..., ::-1].copy()).convert('HSV')
    hsv = np.asarray(ref).copy()
    hsv[..., 0] += np.uint8(int(0.25 * 255))
    expected = np.asarray(Image.fromarray(hsv, 'HSV').convert('RGB'))[0, 0]
    assert np.abs(shifted[::-1].astype(int) - expected).max() <= 6


def _stats(views):
    """Mean brightness, mean saturation (0-1) and the grey fraction."""
    bright, sat, grey = [], [], []
    for rgb in views:
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
        bright.append(rgb.mean())
        sat.append(hsv[..., 1].mean() / 255)
        grey.append(bool((rgb[..., 0] == rgb[..., 1]).all()
                         and (rgb[..., 1] == rgb[..., 2]).all()))
    return np.mean(bright), np.mean(sat), np.mean(grey), np.std(bright)


@pytest.mark.parametrize('name,reference', [
    ('mocov2_views.py', lambda: mocov2_view(32)),
    ('swav_mcrop.py', lambda: swav_view(32, (0.14, 1.0))),
])
def test_colour_statistics_match_reference(name, reference):
    fast, _ = _view_pipelines(name, view_size=32)
    view = fast[1]  # mocov2: dilated crop + T_scene; swav: a local view
    if name == 'swav_mcrop.py':
        view = fast[0]
    view = [step for step in view if step['type'] != 'ObjectCrop']
    img = _photo(96, 72)
    pil = Image.fromarray(img[..., ::-1].copy())
    num = 200
    _seed(1)
    ours = [np.ascontiguousarray(
        Compose(copy.deepcopy(view))(dict(img=img.copy()))['img'][..., ::-1])
        for _ in range(num)]
    transform = reference()
    mean = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
    std = torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    theirs = [((transform(pil) * std + mean) * 255).round().clamp(0, 255)
              .byte().permute(1, 2, 0).numpy() for _ in range(num)]
    b1, s1, g1, spread = _stats(ours)
    b2, s2, g2, _ = _stats(theirs)
    # Two independent samples of 200 views: 4 standard errors.
    assert abs(b1 - b2) < 4 * spread * np.sqrt(2 / num)
    assert abs(s1 - s2) < 0.04
    # Grey fraction: p = 0.2 (plus jitter-made greys); binomial sd ~0.028.
    assert abs(g1 - 0.2) < 0.1 and abs(g2 - 0.2) < 0.1


def _write_jpeg(path, img, quality=90):
    Image.fromarray(img[..., ::-1].copy()).save(path, quality=quality)
    return str(path)


def test_load_image_fast_matches_full_decode(tmp_path):
    path = _write_jpeg(tmp_path / 'a.jpg', _photo(120, 90))
    out = LoadImageFast()(dict(img_path=path))
    np.testing.assert_array_equal(out['img'], cv2.imread(
        path, cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION))
    assert out['ori_shape'] == (90, 120) and out['decode_scale'] == 1


def test_reduced_scale_hand_computed():
    assert reduced_scale(640, 480, (448, 448)) == 1
    assert reduced_scale(2000, 1500, (448, 448)) == 2  # 500 x 375 < 448
    assert reduced_scale(1024, 768, (100, 100)) == 4   # 128 x 96 < 100
    assert reduced_scale(1000, 760, (96, 96)) == 4     # 125 x 95 < 96
    assert reduced_scale(1000, 761, (96, 96)) == 8     # 125 x 95.1 -> 96
    assert reduced_scale(1024, 768, None) == 1


def test_reduced_decode_within_jpeg_scaling_error(tmp_path):
    big = _photo(1024, 768)
    path = _write_jpeg(tmp_path / 'big.jpg', big)
    boxes = np.array([[100, 80, 500, 400]], np.float32)
    out = LoadImageFast(min_size=(224, 224))(
        dict(img_path=path, gt_bboxes=boxes.copy()))
    assert out['decode_scale'] == 2 and out['img'].shape == (384, 512, 3)
    assert out['ori_shape'] == (768, 1024)
    np.testing.assert_allclose(out['gt_bboxes'], boxes / 2)
    full = cv2.imread(path)
    shrunk = cv2.resize(full, (512, 384), interpolation=cv2.INTER_AREA)
    assert np.abs(out['img'].astype(int) - shrunk).mean() < 3.0
    plain = LoadImageFast(min_size=(224, 224), fast=False)(
        dict(img_path=path))
    assert plain['decode_scale'] == 1 and plain['img'].shape == (768, 1024,
                                                                 3)


def test_truncated_and_corrupt_jpegs_name_the_file(tmp_path):
    path = _write_jpeg(tmp_path / 'cut.jpg', _photo(120, 90))
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(OSError, match='cut.jpg.*truncated'):
        LoadImageFast()(dict(img_path=path))
    bad = tmp_path / 'bad.jpg'
    bad.write_bytes(b'not an image at all')
    for transform in (LoadImageFast(), LoadImageFast(min_size=64)):
        with pytest.raises(OSError, match='bad.jpg'):
            transform(dict(img_path=str(bad)))
    # Padding after the end marker is not a truncation.
    with open(path, 'wb') as f:
        f.write(data + b'\x00\x00\n')
    assert LoadImageFast()(dict(img_path=path))['img'].shape == (90, 120, 3)


@pytest.mark.parametrize('fast,plain', [
    (dict(type='FastEqualize', prob=1.0), dict(type='Equalize', prob=1.0)),
    (dict(type='FastAutoContrast', prob=1.0),
     dict(type='AutoContrast', prob=1.0)),
    (dict(type='FastSolarize', magnitude_range=(256, 0), prob=1.0),
     dict(type='Solarize', magnitude_range=(256, 0), prob=1.0)),
    (dict(type='FastContrast', magnitude_range=(0, 0.9), prob=1.0),
     dict(type='Contrast', magnitude_range=(0, 0.9), prob=1.0)),
])
def test_randaugment_tables_equal_mmpretrain_ops(fast, plain):
    init_default_scope('mmmlc')
    from mmmlc.registry import TRANSFORMS
    extra = dict(magnitude_level=9, magnitude_std='inf', total_level=10)
    if 'magnitude_range' in fast:
        fast, plain = dict(fast, **extra), dict(plain, **extra)
    ours, theirs = TRANSFORMS.build(fast), TRANSFORMS.build(plain)
    for seed in range(5):
        img = _photo(64, 48, ('china.jpg', 'flower.jpg')[seed % 2])
        _seed(seed)
        a = ours(dict(img=img.copy()))['img']
        _seed(seed)
        b = theirs(dict(img=img.copy()))['img']
        assert a.shape == b.shape and a.dtype == np.uint8
        # Exact but for Contrast's float32 rounding.
        assert np.abs(a.astype(int) - b).max() <= 1


def test_salgl_fast_and_plain_pipelines_agree(tmp_path):
    init_default_scope('mmmlc')
    cfg = Config.fromfile(osp.join(PIPELINES, 'salgl_randaug-448px.py'))
    path = _write_jpeg(tmp_path / 'p.jpg', _photo(640, 480))
    fast = Compose(copy.deepcopy(cfg.train_pipeline))
    plain = Compose(plain_pipeline_cfg(cfg.train_pipeline))
    for seed in range(6):
        _seed(seed)
        a = fast(dict(img_path=path, gt_label=[0]))['inputs']
        _seed(seed)
        b = plain(dict(img_path=path, gt_label=[0]))['inputs']
        assert tuple(a.shape) == (3, 448, 448) == tuple(b.shape)
        assert (a.int() - b.int()).abs().max() <= 1

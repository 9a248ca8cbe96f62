"""SALGL paper configs resize as the reference: PIL bilinear, antialiased."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from PIL import Image

import mmmlc.datasets  # noqa: F401  (registers the transforms)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SALGL = osp.join(REPO, 'configs', 'salgl')


def _photo_like(path):
    """A 640 x 480 RGB PNG with edges and noise (aliasing shows on it)."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:480, 0:640]
    stripes = 127.5 + 127.5 * np.sin(x / 1.7 + y / 3.1)
    img = np.stack([stripes, np.roll(stripes, 5, axis=1), 255 - stripes], -1)
    img = np.clip(img + rng.normal(0, 20, img.shape), 0, 255)
    Image.fromarray(img.astype(np.uint8)).save(path)


def _normalised(cfg, chw_bgr):
    pre = cfg.model.data_preprocessor
    rgb = chw_bgr[::-1].astype(np.float64) if pre.to_rgb else chw_bgr
    mean = np.array(pre.mean).reshape(3, 1, 1)
    std = np.array(pre.std).reshape(3, 1, 1)
    return (rgb - mean) / std


@pytest.mark.parametrize('name', [
    'salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py',
    'salgl_resnet101_4xb32-onecycle-80e_coco14-576px.py',
])
def test_test_pipeline_equals_pil_bilinear(tmp_path, name):
    cfg = Config.fromfile(osp.join(SALGL, name))
    path = str(tmp_path / 'photo.png')
    _photo_like(path)
    init_default_scope('mmmlc')
    packed = Compose(cfg.test_dataloader.dataset.pipeline)(
        dict(img_path=path, sample_idx=0))
    ours = _normalised(cfg, packed['inputs'].numpy())
    size = ours.shape[1]
    # The reference: PIL image, torchvision Resize((S, S)) = PIL bilinear.
    ref = np.asarray(Image.open(path).convert('RGB').resize(
        (size, size), Image.BILINEAR), np.float64).transpose(2, 0, 1)
    pre = cfg.model.data_preprocessor
    ref = (ref - np.array(pre.mean).reshape(3, 1, 1)) / np.array(
        pre.std).reshape(3, 1, 1)
    assert np.abs(ours - ref).max() < 1e-3
    # OpenCV bilinear (mmcv's default) is not antialiased: far off here.
    import cv2
    bgr = cv2.imread(path)
    cv = cv2.resize(bgr, (size, size), interpolation=cv2.INTER_LINEAR)
    assert np.abs(_normalised(cfg, cv.transpose(2, 0, 1)) - ref).max() > 0.2


def test_train_and_val_pipelines_resize_with_pil():
    for name in ('salgl_resnet101_4xb32-onecycle-80e_voc07-448px.py',
                 'salgl_resnet101_4xb32-onecycle-80e_nuswide-448px.py',
                 'salgl_vit-large-p16_4xb32-onecycle-80e_coco14-448px.py'):
        cfg = Config.fromfile(osp.join(SALGL, name))
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            resizes = [t for t in cfg[loader].dataset.pipeline
                       if t['type'] == 'Resize']
            assert [r.get('backend') for r in resizes] == ['pillow'], \
                (name, loader)

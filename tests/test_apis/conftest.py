"""A random-weight quick-start checkpoint and some images; no training."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    REPO, 'configs', 'quickstart',
    'baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')
CLASSES = [str(i) for i in range(10)]


def build_quickstart_model(seed: int = 0):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmmlc.registry import MODELS
    cfg = Config.fromfile(QUICKSTART)
    init_default_scope('mmmlc')
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.eval()


def save_checkpoint(path, state_dict, classes=CLASSES, ema_state=None):
    checkpoint = dict(state_dict=state_dict)
    if classes is not None:
        checkpoint['meta'] = dict(dataset_meta=dict(classes=list(classes)))
    if ema_state is not None:
        checkpoint['ema_state_dict'] = ema_state
    torch.save(checkpoint, path)
    return str(path)


@pytest.fixture(scope='session')
def quickstart_config():
    return QUICKSTART


@pytest.fixture(scope='session')
def build_model():
    """``build_model(seed)``: the quick-start model with random weights."""
    return build_quickstart_model


@pytest.fixture(scope='session')
def write_checkpoint():
    """``write_checkpoint(path, state_dict, classes, ema_state)``."""
    return save_checkpoint


@pytest.fixture(scope='module')
def quickstart_checkpoint(tmp_path_factory):
    import mmmlc  # noqa: F401
    folder = tmp_path_factory.mktemp('ckpt')
    return save_checkpoint(folder / 'epoch_1.pth',
                           build_quickstart_model().state_dict())


@pytest.fixture(scope='module')
def image_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp('images')
    rng = np.random.default_rng(0)
    for i in range(3):
        img = rng.integers(0, 256, (96 + 16 * i, 128, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f'img_{i}.png'), img)
    return folder

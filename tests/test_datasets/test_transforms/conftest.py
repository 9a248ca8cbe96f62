"""Shared fixtures of the box-aware transform tests."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401
from mmmlc.datasets import build_digit_scenes

DIGIT_SIZES = dict(num_train=8, num_val=4, num_test=4)


@pytest.fixture(autouse=True)
def mmmlc_scope():
    """Pipelines given as configs are built in mmmlc's scope."""
    init_default_scope('mmmlc')


@pytest.fixture(scope='session')
def digit_root(tmp_path_factory):
    """A tiny DigitScenes tree (8 train images of 128 px)."""
    root = str(tmp_path_factory.mktemp('objcrop') / 'digit_scenes')
    build_digit_scenes(root, seed=0, **DIGIT_SIZES)
    return root


@pytest.fixture
def ramp_image():
    """A 300 x 200 BGR image whose pixels encode their coordinates."""
    ys, xs = np.mgrid[0:200, 0:300]
    return np.stack([xs % 256, ys % 256, (xs // 256) * 100 + 1],
                    axis=-1).astype(np.uint8)

"""ColorJitterFixedHue against torchvision and mmpretrain."""
import numpy as np
import pytest
import torchvision.transforms.functional as TF
from mmpretrain.datasets.transforms import ColorJitter
from PIL import Image

from mmmlc.datasets.transforms import ColorJitterFixedHue, adjust_hue_bgr


@pytest.fixture
def bgr():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)


@pytest.mark.parametrize('factor', [-0.5, -0.1, -0.03, 0.0, 0.07, 0.5])
def test_hue_equals_torchvision(bgr, factor):
    expected = np.asarray(
        TF.adjust_hue(Image.fromarray(bgr[..., ::-1].copy()), factor))
    assert np.array_equal(adjust_hue_bgr(bgr, factor), expected[..., ::-1])
    with pytest.raises(ValueError, match='hue_factor'):
        adjust_hue_bgr(bgr, 0.6)


@pytest.mark.filterwarnings("ignore:Only use 'alpha'")
def test_same_draws_as_mmpretrain_and_negative_hue_works(bgr):
    # Brightness/contrast/saturation only: identical to mmpretrain's.
    args = dict(brightness=0.4, contrast=0.4, saturation=0.4)
    np.random.seed(3)
    ours = ColorJitterFixedHue(**args)(dict(img=bgr.copy()))['img']
    np.random.seed(3)
    theirs = ColorJitter(**args)(dict(img=bgr.copy()))['img']
    assert np.array_equal(ours, theirs)
    # Negative hue draws (mmcv's adjust_hue overflows on numpy >= 2).
    jitter = ColorJitterFixedHue(hue=(-0.1, -0.05))
    out = jitter(dict(img=bgr.copy()))['img']
    assert out.shape == bgr.shape and not np.array_equal(out, bgr)

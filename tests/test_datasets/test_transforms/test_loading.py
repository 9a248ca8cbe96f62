"""Both loaders: every decode failure names the image and why.

``LoadImageFromFile`` and ``LoadImageFast`` share one check and one
exception type (mmmlc/datasets/transforms/loading.py).
"""
import io
import re

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

from mmmlc.datasets.transforms import (ImageDecodeError, LoadImageFast,
                                       LoadImageFromFile)
from mmmlc.registry import TRANSFORMS


def _jpeg_bytes():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format='JPEG', quality=90)
    return buf.getvalue()


def _png_bytes(noise=False):
    pixels = np.full((8, 8, 3), 7, np.uint8)
    if noise:
        pixels = np.random.default_rng(0).integers(0, 256, (32, 32, 3),
                                                   dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format='PNG')
    return buf.getvalue()


def _load(path, **kwargs):
    return LoadImageFromFile(**kwargs)(dict(img_path=str(path)))


def test_configs_get_this_loader():
    init_default_scope('mmmlc')
    built = TRANSFORMS.build(dict(type='LoadImageFromFile'))
    assert type(built) is LoadImageFromFile


def test_good_images_load(tmp_path):
    path = tmp_path / 'ok.jpg'
    path.write_bytes(_jpeg_bytes() + b'trailing bytes after EOI')
    assert _load(path)['img'].shape == (32, 48, 3)
    path = tmp_path / 'ok.png'
    path.write_bytes(_png_bytes())
    out = _load(path)
    assert out['img'].shape == (8, 8, 3) and (out['img'] == 7).all()


def test_empty_file(tmp_path):
    path = tmp_path / 'empty.jpg'
    path.write_bytes(b'')
    with pytest.raises(ImageDecodeError,
                       match=f'{path}: empty file \\(0 bytes\\)'):
        _load(path)
    assert _load(path, ignore_empty=True) is None


@pytest.mark.parametrize('name, data', [
    ('cut.jpg', _jpeg_bytes()[:700]),
    ('cut.png', _png_bytes(noise=True)[:1500]),
], ids=['jpeg', 'png'])
def test_truncated(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ImageDecodeError, match=f'{path}: truncated'):
        _load(path)


def test_not_an_image(tmp_path):
    path = tmp_path / 'notes.jpg'
    path.write_bytes(b'hello, not pixels\n')
    with pytest.raises(ImageDecodeError,
                       match=f"{path}: not an image cv2 can decode "
                       r"\(18 bytes, starting b'hello, n'\)"):
        _load(path)


# Both paths (LoadImageFast with and without its reduced-scale decode):
# the same exception type and the same message for each failure.
LOADERS = {
    'mmcv-style': lambda: LoadImageFromFile(),
    'fast': lambda: LoadImageFast(),
    'fast-reduced': lambda: LoadImageFast(min_size=(16, 16)),
}
FAILURES = {
    'empty': (b'', r'empty file \(0 bytes\), not an image'),
    'truncated-jpeg': (_jpeg_bytes()[:700],
                       r'truncated: JPEG without its end marker, 700 bytes'),
    'not-an-image': (b'hello, not pixels\n',
                     r"not an image (cv2|PIL) can decode \(18 bytes, "
                     r"starting b'hello, n'\)"),
}


@pytest.mark.parametrize('failure', sorted(FAILURES))
@pytest.mark.parametrize('loader', sorted(LOADERS))
def test_both_loaders_refuse_bad_files_alike(tmp_path, loader, failure):
    data, reason = FAILURES[failure]
    path = tmp_path / f'{failure}.jpg'
    path.write_bytes(data)
    with pytest.raises(ImageDecodeError) as info:
        LOADERS[loader]()(dict(img_path=str(path)))
    # Handlers written for the former types still catch it.
    assert isinstance(info.value, OSError)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert message.startswith(f'{path}: ')
    assert re.search(reason, message), message


def test_both_loaders_accept_the_same_good_files(tmp_path):
    path = tmp_path / 'padded.jpg'
    path.write_bytes(_jpeg_bytes() + b'\x00\x00\n')
    plain = _load(path, color_type='color_ignore_orientation')['img']
    fast = LoadImageFast()(dict(img_path=str(path)))['img']
    np.testing.assert_array_equal(plain, fast)
    assert fast.shape == (32, 48, 3)

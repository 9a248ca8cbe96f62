"""``LoadImageFromFile``: every decode failure names the image and why."""
import io

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

from mmmlc.datasets.transforms import ImageDecodeError, LoadImageFromFile
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

"""``LoadImageFromFile`` that names the image and the reason it fails.

Registered in mmmlc's ``TRANSFORMS`` under mmcv's name, so every config
with ``default_scope='mmmlc'`` gets it without a change: mmcv's loader
raises OpenCV's bare ``!buf.empty()`` assertion for a zero-byte file, an
assertion without a reason for a file that is not an image, and decodes a
truncated JPEG silently (grey rows where the data ends).
"""
import io
from typing import Optional

import mmcv
import numpy as np
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmengine import fileio
from PIL import Image

from mmmlc.registry import TRANSFORMS


class ImageDecodeError(ValueError):
    """An image file is empty, truncated or not an image."""


def _truncated(data: bytes) -> Optional[str]:
    """Why a JPEG or PNG file ``data`` ends early, or None.

    A file whose end marker (JPEG EOI, PNG IEND) is missing is decoded with
    Pillow, which stops at the end marker and raises at a premature end; a
    file with bytes after its end marker therefore passes.
    """
    end = data.rstrip(b'\x00\r\n ')
    if data[:2] == b'\xff\xd8' and end[-2:] != b'\xff\xd9':
        kind = 'JPEG without its end marker'
    elif data[:8] == b'\x89PNG\r\n\x1a\n' and b'IEND' not in end[-16:]:
        kind = 'PNG without its IEND chunk'
    else:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Exception as err:  # Pillow raises OSError or SyntaxError
        return f'truncated: {kind}, {len(data)} bytes ({err})'
    return None


@TRANSFORMS.register_module()
class LoadImageFromFile(MMCVLoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` with a clear error per decode failure.

    Arguments and outputs are mmcv's. A failure raises
    :class:`ImageDecodeError` naming ``img_path`` and one reason: empty
    file (0 bytes), truncated (JPEG or PNG cut before its end marker), or
    not an image the decode backend reads (with the file's first bytes).
    With ``ignore_empty=True`` such a file gives ``None``, as in mmcv.
    """

    def transform(self, results: dict) -> Optional[dict]:
        if self.file_client_args is not None:
            return super().transform(results)  # mmcv's deprecated path
        filename = results['img_path']
        try:
            img = self._decode(filename)
        except ImageDecodeError:
            if self.ignore_empty:
                return None
            raise
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def _decode(self, filename: str) -> np.ndarray:
        data = fileio.get(filename, backend_args=self.backend_args)
        if len(data) == 0:
            raise ImageDecodeError(f'{filename}: empty file (0 bytes), not '
                                   'an image')
        reason = _truncated(data)
        if reason is not None:
            raise ImageDecodeError(f'{filename}: {reason}')
        try:
            img = mmcv.imfrombytes(
                data, flag=self.color_type, backend=self.imdecode_backend)
        except Exception as err:  # backends raise their own types
            img, detail = None, f': {type(err).__name__}: {err}'
        else:
            detail = ''
        if img is None:
            backend = self.imdecode_backend or 'cv2'
            raise ImageDecodeError(
                f'{filename}: not an image {backend} can decode ({len(data)} '
                f'bytes, starting {data[:8]!r}){detail}')
        return img

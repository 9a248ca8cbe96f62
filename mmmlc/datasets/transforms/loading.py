"""Image loaders that name the image and the reason a decode fails.

Both loaders read the file's bytes through :func:`read_image_bytes` and
turn a decoder's refusal into :func:`undecodable`, so a bad file gives the
same :class:`ImageDecodeError` and message on either path:

- ``LoadImageFromFile`` is registered in mmmlc's ``TRANSFORMS`` under
  mmcv's name, so every config with ``default_scope='mmmlc'`` gets it
  without a change: mmcv's loader raises OpenCV's bare ``!buf.empty()``
  assertion for a zero-byte file, an assertion without a reason for a file
  that is not an image, and decodes a truncated JPEG silently (grey rows
  where the data ends).
- ``LoadImageFast`` is the fast pipelines' loader (docs/benchmarks.md,
  Data pipeline throughput): one OpenCV decode in the stored frame,
  optionally at a reduced scale.
"""
import io
from typing import Optional, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms import LoadImageFromFile as MMCVLoadImageFromFile
from mmengine import fileio
from PIL import Image

from mmmlc.registry import TRANSFORMS

# libjpeg's DCT scaling factors that OpenCV exposes.
REDUCED_FLAGS = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2,
                 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}


class ImageDecodeError(OSError, ValueError):
    """An image file is empty, truncated or not an image.

    An ``OSError`` (what Pillow raises for such files, and what the fast
    loader raised before) and a ``ValueError`` (what this loader raised
    before), so handlers written for either still catch it.
    """


def _truncated(data: bytes) -> Optional[str]:
    """Why a JPEG or PNG file ``data`` ends early, or None.

    A file whose end marker (JPEG EOI, PNG IEND) is missing is decoded with
    Pillow, which stops at the end marker and raises at a premature end; a
    file with bytes after its end marker therefore passes. Files with their
    end marker (nearly all) are not decoded here.
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


def read_image_bytes(filename: str,
                     backend_args: Optional[dict] = None) -> bytes:
    """The bytes of an image file, refused if empty or truncated.

    Args:
        filename (str): The image's path or URI.
        backend_args (dict, optional): mmengine file backend arguments.

    Returns:
        bytes: The file's content.

    Raises:
        ImageDecodeError: If the file is empty or a JPEG / PNG cut before
            its end marker, naming the file and the reason.
    """
    data = fileio.get(filename, backend_args=backend_args)
    if len(data) == 0:
        raise ImageDecodeError(f'{filename}: empty file (0 bytes), not '
                               'an image')
    reason = _truncated(data)
    if reason is not None:
        raise ImageDecodeError(f'{filename}: {reason}')
    return data


def undecodable(filename: str, data: bytes, decoder: str,
                error: Optional[BaseException] = None) -> ImageDecodeError:
    """The error for bytes that ``decoder`` cannot read (to raise).

    The message names the file, the decoder, the size and the first bytes,
    and the decoder's own error when it raised one.
    """
    detail = '' if error is None else f': {type(error).__name__}: {error}'
    return ImageDecodeError(
        f'{filename}: not an image {decoder} can decode ({len(data)} '
        f'bytes, starting {data[:8]!r}){detail}')


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
        data = read_image_bytes(filename, self.backend_args)
        try:
            img = mmcv.imfrombytes(
                data, flag=self.color_type, backend=self.imdecode_backend)
        except Exception as err:  # backends raise their own types
            raise undecodable(filename, data, self.imdecode_backend or 'cv2',
                              err) from err
        if img is None:
            raise undecodable(filename, data, self.imdecode_backend or 'cv2')
        return img


def reduced_scale(width: int, height: int,
                  min_size: Optional[Tuple[int, int]]) -> int:
    """The largest DCT reduction that keeps ``min_size = (w, h)`` pixels."""
    if min_size is None:
        return 1
    scale = 1
    for factor in (2, 4, 8):
        # libjpeg rounds the scaled size up.
        if -(-width // factor) >= min_size[0] and (
                -(-height // factor) >= min_size[1]):
            scale = factor
    return scale


@TRANSFORMS.register_module()
class LoadImageFast(BaseTransform):
    """Read an image once, decode it with OpenCV, fail loudly on bad files.

    The image is what ``LoadImageFromFile(color_type=
    'color_ignore_orientation')`` gives (BGR uint8, the stored frame, the
    way PIL and the references read it), with the same checks: an empty,
    cut-off or undecodable file raises :class:`ImageDecodeError` naming the
    file and the reason (OpenCV alone would return a grey-filled image for
    a cut-off JPEG).

    Reduced-scale decode (libjpeg's DCT scaling, ``min_size``): for
    pipelines that resize the WHOLE image to a fixed size (e.g. SALGL's 448
    px), the JPEG is decoded at 1/2, 1/4 or 1/8 scale whenever the reduced
    image is still at least ``min_size``, so the resize still shrinks it.
    ``ori_shape`` stays the file's size and ``decode_scale`` records the
    factor; boxes (``gt_bboxes``, ``proposals``) are divided by it so they
    stay on the image. Leave ``min_size`` unset for crop pipelines: their
    crops are sized in the original pixels.

    Required keys: ``img_path``. Added: ``img``, ``img_shape``,
    ``ori_shape``, ``decode_scale``.

    Args:
        min_size (tuple[int, int], optional): ``(w, h)`` that the decoded
            image must keep. Defaults to None (full-size decode).
        fast (bool): False always decodes at full size (the plain path);
            the checks stay. Defaults to True.
    """

    def __init__(self, min_size: Optional[Sequence[int]] = None,
                 fast: bool = True):
        if min_size is not None:
            if isinstance(min_size, int):
                min_size = (min_size, min_size)
            min_size = tuple(int(v) for v in min_size)
        self.min_size = min_size
        self.fast = fast

    def transform(self, results: dict) -> dict:
        """Read and decode ``results['img_path']``.

        Args:
            results (dict): Result dict with ``img_path``.

        Returns:
            dict: ``results`` with ``img`` and its shapes.

        Raises:
            ImageDecodeError: If the file is empty, cut off or cannot be
                decoded.
        """
        path = results['img_path']
        data = read_image_bytes(path)
        scale = 1
        if self.fast and self.min_size is not None:
            try:
                width, height = Image.open(io.BytesIO(data)).size
            except Exception as error:
                raise undecodable(path, data, 'PIL', error) from error
            scale = reduced_scale(width, height, self.min_size)
        else:
            height = width = None
        img = cv2.imdecode(
            np.frombuffer(data, np.uint8),
            REDUCED_FLAGS[scale] | cv2.IMREAD_IGNORE_ORIENTATION)
        if img is None:
            raise undecodable(path, data, 'cv2')
        if height is None:
            height, width = img.shape[:2]
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = (height, width)
        results['decode_scale'] = scale
        if scale > 1:
            for key in ('gt_bboxes', 'proposals'):
                if results.get(key) is not None:
                    results[key] = np.asarray(
                        results[key], dtype=np.float32) / scale
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_size={self.min_size}, '
                f'fast={self.fast})')

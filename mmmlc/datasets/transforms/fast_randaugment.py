"""Table look-up versions of mmpretrain's slow RandAugment colour ops.

mmcv computes AutoContrast, Equalize, Contrast and Solarize with float or
int64 arrays the size of the image (``lut[im]``, ``np.histogram``,
``np.where``); at SALGL's 448 px they cost several times the rest of the
pipeline. Each class here subclasses mmpretrain's op, keeps its draws, and
applies the same mapping as one OpenCV table look-up per image (the tables
are mmcv's formulas on the 256 values). ``fast=False`` runs mmpretrain's
op; the pipeline that uses them is
``configs/_base_/pipelines/salgl_randaug-448px.py``.
"""
import cv2
import numpy as np
from mmpretrain.datasets.transforms import (AutoContrast, Contrast, Equalize,
                                            Solarize)

from mmmlc.registry import TRANSFORMS

VALUES = np.arange(256, dtype=np.float64)


def _channel_histograms(img: np.ndarray) -> np.ndarray:
    """``(C, 256)`` histograms of a uint8 ``HxWxC`` image."""
    return np.stack([
        cv2.calcHist([img], [c], None, [256], [0, 256]).ravel()
        for c in range(img.shape[2])
    ]).astype(np.int64)


def _apply_tables(img: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """Apply one uint8 table per channel (``tables``: ``(C, 256)``)."""
    img = np.ascontiguousarray(img)
    lut = np.ascontiguousarray(tables.T.reshape(1, 256, -1))
    return cv2.LUT(img, lut.astype(np.uint8))


def auto_contrast_tables(hist: np.ndarray) -> np.ndarray:
    """mmcv's ``auto_contrast`` (cutoff 0) as per-channel tables.

    Each channel is stretched linearly so that its lowest value maps to 0
    and its highest to 255; a flat channel is kept.
    """
    tables = []
    for channel in hist:
        present = np.nonzero(channel)[0]
        low, high = present[0], present[-1]
        if low >= high:
            tables.append(VALUES)
            continue
        scale = 255.0 / (high - low)
        tables.append(np.clip(VALUES * scale - low * scale, 0, 255))
    return np.stack(tables).astype(np.uint8)


def equalize_tables(hist: np.ndarray) -> np.ndarray:
    """mmcv's ``imequalize`` (PIL's ``ImageOps.equalize``) as tables."""
    tables = []
    for channel in hist:
        step = (channel.sum() - channel[np.nonzero(channel)[0][-1]]) // 255
        if step == 0:
            tables.append(VALUES)
            continue
        lut = (np.cumsum(channel) + step // 2) // step
        lut = np.concatenate([[0], lut[:-1]])
        tables.append(np.minimum(lut, 255))
    return np.stack(tables).astype(np.uint8)


class _HistogramTableOp:
    """A parameter-free op applied as per-channel tables of the histograms.

    Subclasses name the mmpretrain op as their second base and give
    ``_tables(histograms)``; with ``fast=False`` (or a grey image) the
    mmpretrain op runs instead.
    """

    def __init__(self, prob: float = 0.5, fast: bool = True, **kwargs):
        super().__init__(prob=prob, **kwargs)
        self.fast = fast

    def transform(self, results: dict) -> dict:
        """Apply the op's tables with probability ``prob``."""
        if not self.fast or results['img'].ndim != 3:
            return super().transform(results)
        if self.random_disable():
            return results
        img = results['img']
        results['img'] = _apply_tables(img,
                                       self._tables(_channel_histograms(img)))
        return results


@TRANSFORMS.register_module()
class FastAutoContrast(_HistogramTableOp, AutoContrast):
    """mmpretrain's ``AutoContrast`` as one table look-up: each channel's
    range stretched to 0-255.

    Args:
        prob (float): Probability of the op. Defaults to 0.5.
        fast (bool): False runs mmpretrain's op. Defaults to True.
    """

    @staticmethod
    def _tables(histograms: np.ndarray) -> np.ndarray:
        return auto_contrast_tables(histograms)


@TRANSFORMS.register_module()
class FastEqualize(_HistogramTableOp, Equalize):
    """mmpretrain's ``Equalize`` as one table look-up (exact): each
    channel's histogram equalised.

    Args:
        prob (float): Probability of the op. Defaults to 0.5.
        fast (bool): False runs mmpretrain's op. Defaults to True.
    """

    @staticmethod
    def _tables(histograms: np.ndarray) -> np.ndarray:
        return equalize_tables(histograms)


@TRANSFORMS.register_module()
class FastContrast(Contrast):
    """mmpretrain's ``Contrast`` (mmcv's cv2 formula) as one look-up.

    ``out = trunc(clip(x * f + m * (1 - f)))`` with ``f = 1 + magnitude``
    and ``m`` the rounded mean of the grey image.

    Args:
        fast (bool): False runs mmpretrain's op. Defaults to True.
        Others: as mmpretrain's ``Contrast``.
    """

    def __init__(self, *args, fast: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fast = fast

    def transform(self, results: dict) -> dict:
        """Blend with the mean grey value with probability ``prob``."""
        if not self.fast or results['img'].ndim != 3:
            return super().transform(results)
        if self.random_disable():
            return results
        magnitude = self.random_negative(
            self.magnitude if self.magnitude is not None else
            self.random_magnitude())
        factor = np.float32(1 + magnitude)
        img = np.ascontiguousarray(results['img'])
        mean = round(float(cv2.mean(cv2.cvtColor(
            img, cv2.COLOR_BGR2GRAY))[0]))
        table = np.clip(VALUES.astype(np.float32) * factor +
                        np.float32(mean) * (1 - factor), 0, 255)
        results['img'] = cv2.LUT(img, table.astype(np.uint8))
        return results


@TRANSFORMS.register_module()
class FastSolarize(Solarize):
    """mmpretrain's ``Solarize`` as one table look-up (exact).

    Args:
        fast (bool): False runs mmpretrain's op. Defaults to True.
        Others: as mmpretrain's ``Solarize``.
    """

    def __init__(self, *args, fast: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fast = fast

    def transform(self, results: dict) -> dict:
        """Invert the values at or above the threshold with ``prob``."""
        if not self.fast:
            return super().transform(results)
        if self.random_disable():
            return results
        thr = self.thr if self.thr is not None else self.random_magnitude()
        table = np.where(VALUES < thr, VALUES, 255 - VALUES).astype(np.uint8)
        results['img'] = cv2.LUT(np.ascontiguousarray(results['img']), table)
        return results

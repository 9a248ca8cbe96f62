"""Fast drop-in versions of the view transforms: uint8 OpenCV, same draws.

Each class subclasses the transform it replaces and keeps its random draws
(the same calls in the same order), so a seed gives the same crop boxes,
jitter factors, grayscale and blur decisions on both paths; only the pixel
work changes: one OpenCV call per step on the ``HxWx3`` uint8 BGR image,
no round trip through PIL and no float image. ``fast=False`` runs the
parent's (plain) code, which is the switch the pipeline bases expose
(``fast_views`` in ``configs/_base_/pipelines/mocov2_views.py`` and
``swav_mcrop.py``). The fast pipelines' loader, ``LoadImageFast``, is in
``loading.py`` beside ``LoadImageFromFile``, with which it shares the
checks for bad files. The speed, and how it was measured, are in
``docs/benchmarks.md`` (Data pipeline throughput).

Known pixel differences of the fast path (tests bound them): OpenCV rounds
where PIL truncates (grayscale), resizes a downscaled crop with an area
filter where PIL uses a widened bilinear one, uses OpenCV's HSV for the
hue shift and an exact Gaussian kernel where PIL approximates it with
three box blurs.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import RandomGrayscale
from mmpretrain.datasets.transforms import GaussianBlur

from mmmlc.registry import TRANSFORMS
from .color_jitter import ColorJitterFixedHue
from .multi_crop import BoxAwareRandomResizedCrop

# PIL's ``convert('L')`` weights (ITU-R 601-2), in BGR order.
LUMA_BGR = np.array([0.114, 0.587, 0.299], dtype=np.float32)


def blend_lut(degenerate: float, factor: float) -> np.ndarray:
    """PIL's ``Image.blend(degenerate, img, factor)`` for a constant image.

    ``ImageEnhance`` computes ``degenerate + factor * (x - degenerate)`` in
    float and truncates towards zero after clipping to ``[0, 255]``.

    Args:
        degenerate (float): The constant image's value (0 for brightness,
            the rounded grey mean for contrast).
        factor (float): Enhancement factor.

    Returns:
        np.ndarray: ``(256,)`` uint8 look-up table.
    """
    values = np.arange(256, dtype=np.float32)
    out = np.float32(degenerate) + np.float32(factor) * (
        values - np.float32(degenerate))
    return np.clip(out, 0, 255).astype(np.uint8)


def grey_bgr(img: np.ndarray) -> np.ndarray:
    """PIL's luma of a BGR image as one uint8 channel."""
    return cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def adjust_brightness_u8(img: np.ndarray, factor: float) -> np.ndarray:
    """torchvision/PIL brightness on a uint8 image (one table look-up)."""
    return cv2.LUT(img, blend_lut(0.0, factor))


def adjust_contrast_u8(img: np.ndarray, factor: float) -> np.ndarray:
    """torchvision/PIL contrast: blend with the rounded mean grey value.

    The grey mean is the luma of the channel means (the luma is linear), so
    no grey image is made.
    """
    means = np.asarray(cv2.mean(img)[:3], dtype=np.float32)
    mean = int(float(means @ LUMA_BGR) + 0.5)
    return cv2.LUT(img, blend_lut(mean, factor))


def adjust_saturation_u8(img: np.ndarray, factor: float) -> np.ndarray:
    """torchvision/PIL saturation: blend each pixel with its grey value.

    ``gamma=-0.5`` turns OpenCV's rounding into PIL's truncation (up to ties).
    """
    grey = cv2.cvtColor(grey_bgr(img), cv2.COLOR_GRAY2BGR)
    return cv2.addWeighted(img, factor, grey, 1.0 - factor, -0.5)


def adjust_hue_u8(img: np.ndarray, hue_factor: float) -> np.ndarray:
    """torchvision's hue shift: add ``int(hue_factor * 255)`` mod 256 to H.

    OpenCV's ``*_FULL`` HSV spans the hue circle with 0-255, as PIL's HSV.
    """
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV_FULL)
    shift = int(hue_factor * 255) % 256
    hsv[..., 0] += np.uint8(shift)  # uint8 wraps: the modulo 256
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL)


@TRANSFORMS.register_module()
class FastColorJitter(ColorJitterFixedHue):
    """:class:`ColorJitterFixedHue` on uint8 arrays with OpenCV.

    The same draws (order of the four steps and their factors, mmpretrain's
    ``_rand_params``); brightness and contrast are one table look-up each,
    saturation one weighted sum with the grey image, hue one HSV round trip.
    Grey (2-D or 1-channel) images skip saturation and hue, as PIL's would.

    Args:
        brightness, contrast, saturation, hue: As :class:`ColorJitterFixedHue`
            (torchvision's meaning). Default 0 each.
        fast (bool): False runs :class:`ColorJitterFixedHue` unchanged.
            Defaults to True.
    """

    def __init__(self, brightness=0., contrast=0., saturation=0., hue=0.,
                 fast: bool = True):
        super().__init__(brightness=brightness, contrast=contrast,
                         saturation=saturation, hue=hue)
        self.fast = fast

    def transform(self, results: dict) -> dict:
        """Apply the four jitters in a random order.

        Args:
            results (dict): Result dict with a uint8 BGR ``img``.

        Returns:
            dict: ``results`` with the jittered ``img``.
        """
        if not self.fast:
            return super().transform(results)
        img = np.ascontiguousarray(results['img'])
        colour = img.ndim == 3 and img.shape[2] == 3
        order, brightness, contrast, saturation, hue = self._rand_params()
        for index in order:
            if index == 0 and brightness is not None:
                img = adjust_brightness_u8(img, brightness)
            elif index == 1 and contrast is not None and colour:
                img = adjust_contrast_u8(img, contrast)
            elif index == 2 and saturation is not None and colour:
                img = adjust_saturation_u8(img, saturation)
            elif index == 3 and hue is not None and colour:
                img = adjust_hue_u8(img, hue)
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', fast={self.fast})'


@TRANSFORMS.register_module()
class FastRandomGrayscale(RandomGrayscale):
    """mmcv's :class:`RandomGrayscale` as one OpenCV matrix transform.

    The same draw; the weighted sum is ``cv2.transform`` with the three
    weights in every output row (rounded, where mmcv truncates a float64
    image). Takes mmcv's arguments for BGR images (``color_format='bgr'``).

    Args:
        prob (float): Probability of grey. Defaults to 0.1.
        keep_channels (bool): Keep three channels. Defaults to False.
        channel_weights (Sequence[float]): Weight of each channel.
            Defaults to (1., 1., 1.).
        fast (bool): False runs mmcv's transform. Defaults to True.
    """

    def __init__(self, prob: float = 0.1, keep_channels: bool = False,
                 channel_weights: Sequence[float] = (1., 1., 1.),
                 fast: bool = True):
        super().__init__(prob=prob, keep_channels=keep_channels,
                         channel_weights=channel_weights)
        self.fast = fast

    def transform(self, results: dict) -> dict:
        """Make the image grey with probability ``prob``.

        Args:
            results (dict): Result dict with a uint8 BGR ``img``.

        Returns:
            dict: ``results`` with the (maybe) grey ``img``.
        """
        img = results['img']
        if not self.fast or img.ndim != 3 or img.shape[2] != len(
                self.channel_weights):
            return super().transform(results)
        if self._random_prob() < self.prob:
            weights = np.asarray(self.channel_weights, np.float32)
            weights = weights / weights.sum()
            rows = len(weights) if self.keep_channels else 1
            results['img'] = cv2.transform(
                np.ascontiguousarray(img), np.tile(weights, (rows, 1)))
        return results


@TRANSFORMS.register_module()
class FastGaussianBlur(GaussianBlur):
    """mmpretrain's :class:`GaussianBlur` with OpenCV's Gaussian filter.

    The same draws (apply with ``prob``, radius from ``magnitude_range``);
    the radius is the standard deviation in both. PIL approximates the
    Gaussian with three box blurs, OpenCV uses the sampled kernel of width
    ``2 * round(3 * sigma) + 1`` with reflected borders.

    Args:
        radius (float, optional): Fixed sigma. Defaults to None.
        prob (float): Probability of blurring. Defaults to 0.5.
        magnitude_range (tuple[float, float], optional): Sigma range.
        magnitude_std (str | float): mmpretrain's magnitude spread ('inf':
            uniform). Defaults to 0.
        fast (bool): False runs mmpretrain's transform. Defaults to True.
    """

    def __init__(self, radius: Optional[float] = None, prob: float = 0.5,
                 magnitude_range: Optional[Tuple[float, float]] = None,
                 magnitude_std='inf', fast: bool = True):
        super().__init__(radius=radius, prob=prob,
                         magnitude_range=magnitude_range,
                         magnitude_std=magnitude_std)
        self.fast = fast

    def transform(self, results: dict) -> dict:
        """Blur the image with probability ``prob``.

        Args:
            results (dict): Result dict with a uint8 ``img``.

        Returns:
            dict: ``results`` with the (maybe) blurred ``img``.
        """
        if not self.fast:
            return super().transform(results)
        if self.random_disable():
            return results
        sigma = self.radius if self.radius is not None else (
            self.random_magnitude())
        results['img'] = cv2.GaussianBlur(
            np.ascontiguousarray(results['img']), (0, 0), float(sigma))
        return results


@TRANSFORMS.register_module()
class FastRandomResizedCrop(BoxAwareRandomResizedCrop):
    """:class:`BoxAwareRandomResizedCrop` resized with OpenCV.

    The same draws and crop boxes. A crop larger than the output in both
    sides is shrunk with OpenCV's area filter (antialiased, like PIL's
    widened bilinear filter); otherwise OpenCV's bilinear, which equals
    PIL's when enlarging. Arguments as the parent, plus ``fast``.

    Args:
        fast (bool): False resizes as the parent (PIL bilinear by
            default). Defaults to True.
    """

    def __init__(self, *args, fast: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fast = fast

    def resize(self, img: np.ndarray) -> np.ndarray:
        """Resize the crop to ``scale``; see the class docstring."""
        if not self.fast:
            return super().resize(img)
        out_h, out_w = self.scale[1], self.scale[0]
        shrink = img.shape[0] >= out_h and img.shape[1] >= out_w
        return cv2.resize(
            np.ascontiguousarray(img), (out_w, out_h),
            interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f', fast={self.fast})'

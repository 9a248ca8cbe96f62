"""MoCo-v2's ColorJitter with a hue step that works under numpy >= 2."""
import warnings

import numpy as np
from mmcv import adjust_brightness, adjust_color, adjust_contrast
from mmpretrain.datasets.transforms import ColorJitter
from PIL import Image

from mmmlc.registry import TRANSFORMS


def adjust_hue_bgr(img: np.ndarray, hue_factor: float) -> np.ndarray:
    """Shift the hue of a BGR uint8 image as torchvision does on PIL.

    Converts to PIL HSV and adds ``int(hue_factor * 255)`` modulo 256 to H
    (torchvision's ``adjust_hue``). mmcv's version computes
    ``np.uint8(hue_factor * 255)``, which raises ``OverflowError`` for a
    negative factor under numpy >= 2 (half of ColorJitter's hue draws).

    Args:
        img (np.ndarray): ``HxWx3`` uint8 BGR image.
        hue_factor (float): Shift in ``[-0.5, 0.5]``.

    Returns:
        np.ndarray: The hue-shifted BGR image.

    Raises:
        ValueError: If ``hue_factor`` is outside ``[-0.5, 0.5]``.
    """
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'hue_factor {hue_factor} is not in [-0.5, 0.5].')
    if img.ndim != 3 or img.shape[2] != 3:
        # Grey images have no hue, as in torchvision.
        return img
    hue, sat, val = Image.fromarray(img[..., ::-1]).convert('HSV').split()
    shift = np.uint8(int(hue_factor * 255) % 256)
    hue = Image.fromarray(np.asarray(hue, dtype=np.uint8) + shift, 'L')
    rgb = Image.merge('HSV', (hue, sat, val)).convert('RGB')
    return np.asarray(rgb, dtype=img.dtype)[..., ::-1].copy()


@TRANSFORMS.register_module()
class ColorJitterFixedHue(ColorJitter):
    """mmpretrain's ``ColorJitter`` (same draws) with a working hue step.

    Brightness, contrast and saturation are mmpretrain's (they equal
    torchvision's on PIL images); the hue step uses
    :func:`adjust_hue_bgr`. The MoCo-v2 setting is
    ``brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1`` inside
    ``RandomApply(prob=0.8)``. Arguments as mmpretrain's ``ColorJitter``.

    Args:
        brightness (float | Sequence[float]): Brightness jitter.
            Defaults to 0.
        contrast (float | Sequence[float]): Contrast jitter. Defaults to 0.
        saturation (float | Sequence[float]): Saturation jitter.
            Defaults to 0.
        hue (float | Sequence[float]): Hue jitter in ``[0, 0.5]`` or a
            range in ``[-0.5, 0.5]``. Defaults to 0.
        backend (str): Backend of the other three steps. Defaults to
            ``'pillow'``.
    """

    def transform(self, results: dict) -> dict:
        """Apply the four jitters in a random order.

        Args:
            results (dict): Result dict with a BGR ``img``.

        Returns:
            dict: ``results`` with the jittered ``img``.
        """
        img = results['img']
        order, brightness, contrast, saturation, hue = self._rand_params()
        for index in order:
            if index == 0 and brightness is not None:
                img = adjust_brightness(img, brightness, backend=self.backend)
            elif index == 1 and contrast is not None:
                img = adjust_contrast(img, contrast, backend=self.backend)
            elif index == 2 and saturation is not None:
                with warnings.catch_warnings():
                    # mmcv warns on every pillow call that only ``alpha``
                    # is used; only alpha is passed here.
                    warnings.filterwarnings('ignore', "Only use 'alpha'")
                    img = adjust_color(img, saturation, backend=self.backend)
            elif index == 3 and hue is not None:
                img = adjust_hue_bgr(img, hue)
        results['img'] = img
        return results

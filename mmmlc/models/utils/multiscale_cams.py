"""Offline multi-scale, flipped CAMs of an image batch (OASS stage 2).

The IRNet / Puzzle-CAM recipe that OASS inherits (docs/reference/oass.md,
"Offline CAMs"): for each image at its original size H x W,

1. for each scale s in {0.5, 1, 1.5, 2}, resize bicubic (PIL's kernel,
   which IRNet rescales with) to ``round(s H) x round(s W)`` and forward
   the image and its horizontal flip;
2. take ReLU of the class maps, un-flip the flipped map and add the two;
3. resize each scale's map bilinearly to (a) the stride-4 size
   ``ceil(H/4) x ceil(W/4)`` and (b) full resolution, by upsampling to the
   size rounded up to a multiple of the output stride (16) and cropping
   the top-left H x W; sum over scales;
4. keep the classes in K and normalise each map by its max + 1e-5.

K is the image's labels for training images, and
``{c: sigmoid(z_c) >= 0.5} U {argmax z}`` for test images, z the logits
(GAP of the class maps) averaged over the same scales and flips.

Every scale is one forward of the whole batch and its flip together
(``2B`` images), never a loop over images or classes.
"""
import math
from typing import Callable, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .cam_components import normalize_cams

CAM_CLASS_RULES = ('labels', 'predicted')
DEFAULT_SCALES = (0.5, 1.0, 1.5, 2.0)
_OPTIONS = {
    'scales': DEFAULT_SCALES,
    'flip': True,
    'cam_classes': 'predicted',
    'score_thr': 0.5,
    'eps': 1e-5,
}


def multiscale_cam_options(options: Optional[dict]) -> Optional[dict]:
    """Check a ``multiscale_cam`` dict and fill in its defaults.

    Args:
        options (dict, optional): Any of ``scales`` (positive floats),
            ``flip`` (bool), ``cam_classes`` (``'labels'`` or
            ``'predicted'``), ``score_thr`` and ``eps``. None turns the
            multi-scale prediction off.

    Returns:
        dict, optional: The full options, or None.
    """
    if options is None:
        return None
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise ValueError(f'multiscale_cam: unknown options {unknown}; '
                         f'known: {sorted(_OPTIONS)}.')
    full = dict(_OPTIONS, **options)
    full['scales'] = tuple(float(s) for s in full['scales'])
    if not full['scales'] or min(full['scales']) <= 0:
        raise ValueError('multiscale_cam: scales must be a non-empty list '
                         f'of positive numbers, got {full["scales"]}.')
    if full['cam_classes'] not in CAM_CLASS_RULES:
        raise ValueError(f'multiscale_cam: cam_classes must be one of '
                         f'{CAM_CLASS_RULES}, got {full["cam_classes"]!r}.')
    return full


def multiscale_class_maps(
        class_maps_fn: Callable[[torch.Tensor], torch.Tensor],
        inputs: torch.Tensor,
        scales: Sequence[float] = DEFAULT_SCALES,
        flip: bool = True,
        round_to: int = 16
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Steps 1-3 of the recipe: summed ReLU class maps and mean logits.

    Args:
        class_maps_fn (Callable): Images ``(N, 3, h, w)`` to raw class maps
            ``(N, C, h', w')`` (backbone + ``CAMHead.class_maps``).
        inputs (torch.Tensor): Normalised images ``(B, 3, H, W)`` at their
            original size.
        scales (Sequence[float]): Defaults to (0.5, 1, 1.5, 2).
        flip (bool): Add the un-flipped maps of the mirrored images.
            Defaults to True.
        round_to (int): The full-resolution maps are upsampled to H and W
            rounded up to a multiple of this (the output stride, 16 in
            IRNet) and cropped to H x W. Defaults to 16.

    Returns:
        tuple[torch.Tensor]: ``logits`` ``(B, C)`` (mean GAP over all
        passes), ``strided`` ``(B, C, ceil(H/4), ceil(W/4))`` and
        ``high_res`` ``(B, C, H, W)``, both sums over scales (not
        normalised).
    """
    b, _, h, w = inputs.shape
    strided_size = (math.ceil(h / 4), math.ceil(w / 4))
    up_size = (math.ceil(h / round_to) * round_to,
               math.ceil(w / round_to) * round_to)
    logits = strided = high_res = None
    for scale in scales:
        size = (max(1, int(round(h * scale))), max(1, int(round(w * scale))))
        images = inputs
        if size != (h, w):
            images = F.interpolate(inputs, size=size, mode='bicubic',
                                   align_corners=False, antialias=True)
        if flip:
            images = torch.cat([images, images.flip(-1)])
        maps = class_maps_fn(images)  # (2B or B, C, h', w')
        z = maps.mean((2, 3))
        maps = F.relu(maps)
        if flip:
            maps = maps[:b] + maps[b:].flip(-1)
            z = (z[:b] + z[b:]) / 2
        small = F.interpolate(maps, size=strided_size, mode='bilinear',
                              align_corners=False)
        large = F.interpolate(maps, size=up_size, mode='bilinear',
                              align_corners=False)[..., :h, :w]
        if logits is None:
            logits, strided, high_res = z, small, large
        else:
            logits, strided, high_res = (logits + z, strided + small,
                                         high_res + large)
    return logits / len(scales), strided, high_res


def cam_classes(logits: torch.Tensor,
                rule: str,
                labels: Optional[torch.Tensor] = None,
                score_thr: float = 0.5) -> List[torch.Tensor]:
    """The class set K of each image.

    Args:
        logits (torch.Tensor): ``(B, C)`` multi-scale logits.
        rule (str): ``'labels'``: the image's positive labels (training
            images); ``'predicted'``: ``sigmoid(z) >= score_thr`` plus the
            arg-max class (test images, never empty).
        labels (torch.Tensor, optional): Multi-hot ``(B, C)``; needed by
            ``'labels'``.
        score_thr (float): Defaults to 0.5.

    Returns:
        list[torch.Tensor]: int64 class indices ``(K_b,)``, ascending.
    """
    if rule == 'labels':
        if labels is None:
            raise ValueError("cam_classes='labels' needs the images' labels "
                             '(gt_label or gt_score in the data samples); '
                             "use 'predicted' for images without labels.")
        keep = labels > 0.5
    elif rule == 'predicted':
        keep = torch.sigmoid(logits) >= score_thr
        keep = keep | F.one_hot(logits.argmax(1), logits.shape[1]).bool()
    else:
        raise ValueError(f'cam_classes rule must be one of {CAM_CLASS_RULES},'
                         f' got {rule!r}.')
    return [row.nonzero()[:, 0] for row in keep]


def check_original_size(inputs: torch.Tensor, metainfos: Sequence[dict]
                        ) -> None:
    """Refuse resized or padded images (CAMs are made at original size).

    Args:
        inputs (torch.Tensor): The batch ``(B, 3, H, W)``.
        metainfos (Sequence[dict]): Each sample's metainfo with
            ``img_shape`` and ``ori_shape`` when the pipeline packs them.
    """
    size = tuple(inputs.shape[-2:])
    for meta in metainfos:
        img_shape = tuple(meta.get('img_shape', size))[:2]
        ori_shape = tuple(meta.get('ori_shape', img_shape))[:2]
        name = meta.get('img_path', '<image>')
        if img_shape != ori_shape:
            raise ValueError(
                f'{name}: the test pipeline resized the image from '
                f'{ori_shape} to {img_shape}; offline CAMs are made at the '
                'original size (drop the Resize, as tools/oass/'
                'make_cams.py does).')
        if img_shape != size:
            raise ValueError(
                f'{name}: image {img_shape} was padded to the batch size '
                f'{size}; use batch_size=1 for images of different sizes.')


def normalized_cams(strided: torch.Tensor, high_res: torch.Tensor,
                    keys: Sequence[torch.Tensor], eps: float = 1e-5
                    ) -> List[Tuple[torch.Tensor, torch.Tensor]]:
    """Step 4: the maps of each image's K classes, each over its max + eps.

    Args:
        strided (torch.Tensor): ``(B, C, h4, w4)`` summed maps.
        high_res (torch.Tensor): ``(B, C, H, W)`` summed maps.
        keys (Sequence[torch.Tensor]): K of each image.
        eps (float): Defaults to 1e-5.

    Returns:
        list[tuple[torch.Tensor]]: Per image ``(K, h4, w4)`` and
        ``(K, H, W)`` in ``[0, 1)``; a map that is 0 everywhere stays 0.
    """
    return [(normalize_cams(s[k], eps), normalize_cams(r[k], eps))
            for s, r, k in zip(strided, high_res, keys)]

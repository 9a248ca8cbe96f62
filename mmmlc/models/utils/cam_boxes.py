"""Boxes from full-resolution CAMs: OASS stage 3.

OASS (docs/reference/oass.md, "CAM boxes") turns the normalised CAM
``A_c`` of every class ``c`` in an image's class set ``K`` into at most
``top_k`` boxes:

1. foreground ``A_c >= thr`` (0.20, the CAM convention of 20 % of the max);
2. 4-connected components (IRNet's convention);
3. components smaller than ``min_area * H * W`` (1 %) are dropped;
4. each component is scored by its CAM peak; the ``top_k`` (3) highest
   peaks of the class are kept;
5. the tight box grows by ``margin`` (10 %) of its width and height on
   each side and is clipped to the image;
6. of two boxes of the class with IoU above ``nms_iou`` (0.7) only the
   higher-scoring one stays;
7. a class in ``K`` left without a box gets the whole image, scored by the
   max of its CAM.

:func:`cam_boxes` does this for a batch on the device, vectorised over
images and classes, with fixed output shapes; :func:`cam_boxes_list` is the
per-image form (the boxes of a proposals file). Both are one function, so
the offline tool and the online test-time path give the same boxes.
"""
import math
from typing import Optional, Tuple

import numpy as np
import torch

from .cam_components import component_boxes, connected_components


def _enough_rounds(mask: torch.Tensor) -> int:
    """Label-propagation rounds that label ``mask`` exactly.

    :func:`connected_components` is exact once every pair of 4-adjacent
    foreground cells carries the same label (labels start unique per cell
    and only spread inside a component, so two components never share
    one). Rounds double from 8 until that holds, at most ``h * w`` (always
    enough). One host read per try; only for callers that may sync.
    """
    _, h, w = mask.shape
    rounds = min(8, h * w)
    while True:
        labels = connected_components(mask, rounds)
        pair_x = mask[..., 1:] & mask[..., :-1]
        pair_y = mask[:, 1:] & mask[:, :-1]
        split = ((labels[..., 1:] != labels[..., :-1]) & pair_x).any() | (
            (labels[:, 1:] != labels[:, :-1]) & pair_y).any()
        if rounds >= h * w or not bool(split):
            return rounds
        rounds = min(2 * rounds, h * w)


def _pairwise_iou(boxes: torch.Tensor) -> torch.Tensor:
    """IoU of every pair of boxes ``(N, k, 4)`` xyxy -> ``(N, k, k)``."""
    lt = torch.maximum(boxes[:, :, None, :2], boxes[:, None, :, :2])
    rb = torch.minimum(boxes[:, :, None, 2:], boxes[:, None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area = (boxes[..., 2:] - boxes[..., :2]).prod(-1)
    union = area[:, :, None] + area[:, None, :] - inter
    return inter / union.clamp(min=1e-12)


def _greedy_nms(boxes: torch.Tensor, valid: torch.Tensor,
                iou_thr: float) -> torch.Tensor:
    """Greedy same-class NMS on boxes sorted by score, batched over rows.

    Box ``i`` is dropped when a kept box ranked before it overlaps it with
    IoU above ``iou_thr``. The loop runs over the ``k`` rank positions
    (``top_k``, a handful), each step over all rows at once.

    Args:
        boxes (torch.Tensor): ``(N, k, 4)`` sorted by score, best first.
        valid (torch.Tensor): Bool ``(N, k)``.
        iou_thr (float): Suppression threshold.

    Returns:
        torch.Tensor: Bool ``(N, k)``, the boxes that stay.
    """
    over = _pairwise_iou(boxes) > iou_thr
    keep = valid.clone()
    for i in range(1, boxes.shape[1]):
        hit = (over[:, i, :i] & keep[:, :i]).any(1)
        keep[:, i] &= ~hit
    return keep


def cam_boxes(cams: torch.Tensor,
              keep: torch.Tensor,
              thr: float = 0.2,
              min_area: float = 0.01,
              top_k: int = 3,
              margin: float = 0.1,
              nms_iou: float = 0.7,
              cc_iters: Optional[int] = None
              ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Boxes of the CAMs of the classes in ``keep`` (OASS stage 3).

    Args:
        cams (torch.Tensor): Normalised CAMs ``(B, C, H, W)`` in ``[0, 1]``.
        keep (torch.Tensor): Bool ``(B, C)``, the class set ``K`` of each
            image. Other classes get no box.
        thr (float): Foreground threshold on the CAM. Defaults to 0.2.
        min_area (float): Smallest component, as a fraction of ``H * W``.
            Defaults to 0.01.
        top_k (int): Boxes kept per class, highest peaks first.
            Defaults to 3.
        margin (float): Growth on each side, as a fraction of the box's
            width (left and right) and height (top and bottom); 0 gives the
            tight box. Defaults to 0.1.
        nms_iou (float): Same-class NMS threshold. Defaults to 0.7.
        cc_iters (int, optional): Rounds of :func:`connected_components`.
            ``None`` (default) finds enough rounds for an exact labelling,
            reading a flag back to the host per try; an int runs that many
            rounds with no host read (for a step that must not sync).

    Returns:
        tuple[torch.Tensor]: ``boxes`` float32 ``(B, C, top_k, 4)`` as
        ``x1, y1, x2, y2`` pixels of the CAM's frame (``x2``, ``y2``
        exclusive), ``scores`` float32 ``(B, C, top_k)`` (the component's
        CAM peak, or the CAM max for the whole-image box) and ``valid``
        bool ``(B, C, top_k)``. Valid boxes come first, by score; invalid
        slots hold zeros.
    """
    if cams.dim() != 4 or not cams.is_floating_point():
        raise ValueError('cam_boxes expects float CAMs (B, C, H, W), got '
                         f'{cams.dtype} {tuple(cams.shape)}.')
    if keep.shape != cams.shape[:2] or keep.dtype != torch.bool:
        raise ValueError(f'cam_boxes expects a bool keep mask of shape '
                         f'{tuple(cams.shape[:2])}, got {keep.dtype} '
                         f'{tuple(keep.shape)}.')
    if top_k < 1:
        raise ValueError(f'top_k must be >= 1, got {top_k}.')
    b, c, h, w = cams.shape
    maps = cams.reshape(b * c, h, w).float()
    kept = keep.reshape(-1).to(maps.device)
    mask = (maps >= thr) & kept[:, None, None]
    # ``area < min_area * H * W`` is dropped; the epsilon keeps an exact
    # product such as 0.01 * 100 * 100 from rounding up a cell.
    min_size = max(1, math.ceil(min_area * h * w - 1e-6))
    rounds = _enough_rounds(mask) if cc_iters is None else cc_iters
    all_boxes, all_scores, all_valid = component_boxes(
        maps, mask, min_size, rounds)

    k = min(top_k, all_scores.shape[1])
    rank_key = torch.where(all_valid, all_scores, -1.)
    _, idx = rank_key.topk(k, dim=1)
    boxes = all_boxes.gather(1, idx[..., None].expand(-1, -1, 4)).float()
    scores = all_scores.gather(1, idx)
    valid = all_valid.gather(1, idx)

    size = boxes[..., 2:] - boxes[..., :2]
    boxes = boxes + margin * torch.cat([-size, size], -1)
    limit = boxes.new_tensor([w, h, w, h])
    boxes = torch.minimum(boxes.clamp(min=0), limit)
    whole = boxes.new_tensor([0, 0, w, h])
    valid = _greedy_nms(boxes, valid, nms_iou)
    # Survivors to the front, still by score (suppression leaves gaps).
    order = torch.where(valid, scores, -1.).argsort(
        dim=1, descending=True, stable=True)
    boxes = boxes.gather(1, order[..., None].expand(-1, -1, 4))
    scores = scores.gather(1, order)
    valid = valid.gather(1, order)

    empty = kept & ~valid.any(1)
    boxes[:, 0] = torch.where(empty[:, None], whole, boxes[:, 0])
    scores[:, 0] = torch.where(empty, maps.flatten(1).amax(1), scores[:, 0])
    valid[:, 0] |= empty
    boxes = boxes * valid[..., None]
    scores = scores * valid
    if k < top_k:
        boxes = torch.cat([boxes, boxes.new_zeros(b * c, top_k - k, 4)], 1)
        scores = torch.cat([scores, scores.new_zeros(b * c, top_k - k)], 1)
        valid = torch.cat([valid, valid.new_zeros(b * c, top_k - k)], 1)
    return (boxes.view(b, c, top_k, 4), scores.view(b, c, top_k),
            valid.view(b, c, top_k))


def cam_boxes_list(cams, classes, **kwargs
                   ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`cam_boxes` for one image's kept CAMs, as flat box arrays.

    Args:
        cams (torch.Tensor | np.ndarray): CAMs ``(C_k, H, W)`` of the
            classes in ``K`` (e.g. ``high_res`` of an offline CAM file).
        classes (torch.Tensor | np.ndarray): Class index of each map,
            ``(C_k,)``.
        **kwargs: Options of :func:`cam_boxes`.

    Returns:
        tuple[np.ndarray]: ``boxes`` float32 ``(N, 4)`` xyxy (exclusive
        ends), ``labels`` int64 ``(N,)`` and ``scores`` float32 ``(N,)``:
        class by class in the order of ``classes``, by score within one.
    """
    cams = torch.as_tensor(np.asarray(cams) if not torch.is_tensor(cams)
                           else cams)
    classes = torch.as_tensor(np.asarray(classes)).long().reshape(-1)
    if cams.dim() != 3 or classes.numel() != cams.shape[0]:
        raise ValueError('cam_boxes_list expects CAMs (C_k, H, W) and C_k '
                         f'class indices, got {tuple(cams.shape)} and '
                         f'{tuple(classes.shape)}.')
    if cams.shape[0] == 0:
        return (np.zeros((0, 4), np.float32), np.zeros(0, np.int64),
                np.zeros(0, np.float32))
    keep = torch.ones(1, cams.shape[0], dtype=torch.bool)
    boxes, scores, valid = cam_boxes(cams.float()[None], keep, **kwargs)
    valid = valid[0].cpu()
    labels = classes[:, None].expand(valid.shape)[valid]
    return (boxes[0].cpu()[valid].numpy().astype(np.float32),
            labels.numpy().astype(np.int64),
            scores[0].cpu()[valid].numpy().astype(np.float32))

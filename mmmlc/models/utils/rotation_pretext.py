"""The rotation pretext of OASS's fallback (``aux='rotation'``).

docs/reference/oass.md ("rotation fallback", ours): each image's
top-scoring CAM box, at least ``min_px`` a side and clipped to the crop,
is resampled to ``size`` x ``size`` and rotated by a random multiple of 90
degrees; the network then predicts the rotation (Gidaris et al., ICLR
2018). Batched, one affine grid per image, no host read.
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F


def rotated_box_crops(
        inputs: torch.Tensor,
        boxes: torch.Tensor,
        scores: torch.Tensor,
        valid: torch.Tensor,
        stride: int,
        size: int,
        min_px: int,
        generator: Optional[torch.Generator] = None
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Rotated crops of every image's top-scoring box.

    Args:
        inputs (torch.Tensor): Crops ``(B, 3, H, W)``.
        boxes (torch.Tensor): ``(B, C, S, 4)`` in cells.
        scores (torch.Tensor): ``(B, C, S)``.
        valid (torch.Tensor): Bool ``(B, C, S)``.
        stride (int): Pixels per cell.
        size (int): Output side.
        min_px (int): Smallest box side, in pixels.
        generator (torch.Generator, optional): For the rotations.

    Returns:
        tuple[torch.Tensor]: ``crops`` ``(B, 3, size, size)``, ``turns``
        ``(B,)`` (counter-clockwise quarter turns, the target) and
        ``has_box`` ``(B,)`` (False: no box, the crop is not used).
    """
    b, _, height, width = inputs.shape
    flat_scores = torch.where(valid, scores, -1.).flatten(1)
    top = flat_scores.argmax(1)  # (B,)
    has_box = flat_scores.amax(1) >= 0
    box = boxes.flatten(1, 2).gather(
        1, top[:, None, None].expand(b, 1, 4))[:, 0].float() * stride
    centre = (box[:, :2] + box[:, 2:]) / 2
    half = (box[:, 2:] - box[:, :2]).clamp(min=min_px) / 2
    half = torch.stack([
        half[:, 0].clamp(max=width / 2), half[:, 1].clamp(max=height / 2)
    ], 1)
    limit = torch.stack([width - half[:, 0], height - half[:, 1]], 1)
    centre = torch.minimum(torch.maximum(centre, half), limit)
    turns = torch.randint(4, (b, ), device=inputs.device, generator=generator)
    angle = turns.float() * (math.pi / 2)
    cos, sin = angle.cos().round(), angle.sin().round()
    scale_x, scale_y = half[:, 0] / (width / 2), half[:, 1] / (height / 2)
    shift_x = centre[:, 0] / (width / 2) - 1
    shift_y = centre[:, 1] / (height / 2) - 1
    # Output coords are rotated first, then mapped into the box.
    theta = torch.stack([
        torch.stack([scale_x * cos, -scale_x * sin, shift_x], 1),
        torch.stack([scale_y * sin, scale_y * cos, shift_y], 1)
    ], 1)  # (B, 2, 3)
    grid = F.affine_grid(theta, (b, 3, size, size), align_corners=False)
    crops = F.grid_sample(inputs, grid, align_corners=False)
    return crops, turns, has_box

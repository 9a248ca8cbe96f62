"""Object locations from class activation maps, on the device.

OASS (docs/reference/oass.md, "Online object locations and OA-tiling")
thresholds the normalised CAM of every image-positive class on the
stride-16 grid, splits the foreground into 4-connected components and
keeps each component of at least ``min_size`` cells as a box scored by its
CAM peak. Everything here is
batched over images and classes, uses fixed shapes and never reads a value
back to the host, so a training step can call it without a device sync.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F


def normalize_cams(class_maps: torch.Tensor,
                   eps: float = 1e-5) -> torch.Tensor:
    r"""Per-class max-normalised CAMs.

    :math:`A_c(u) = \mathrm{ReLU}(M_c(u)) / (\max_v \mathrm{ReLU}(M_c(v))
    + \epsilon)` (Puzzle-CAM / IRNet convention); a map that is <= 0
    everywhere gives zeros, not NaN.

    Args:
        class_maps (torch.Tensor): Raw class maps ``(..., h, w)``.
        eps (float): Added to the max. Defaults to 1e-5.

    Returns:
        torch.Tensor: CAMs in ``[0, 1)`` of the same shape.
    """
    cams = F.relu(class_maps)
    peak = cams.flatten(-2).amax(-1)[..., None, None]
    return cams / (peak + eps)


def _run_max(labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Give every cell of a horizontal foreground run the run's max label.

    Args:
        labels (torch.Tensor): int64 ``(N, h, w)``, 0 on the background.
        mask (torch.Tensor): Bool foreground ``(N, h, w)``.

    Returns:
        torch.Tensor: int64 ``(N, h, w)``.
    """
    n, h, w = mask.shape
    starts = mask & ~F.pad(mask, (1, 0))[..., :w]
    # Run ids are unique within a map; background cells go to run 0.
    run_id = (starts.view(n, -1).cumsum(1) * mask.view(n, -1))
    run_max = torch.zeros(n, h * w + 1, dtype=labels.dtype,
                          device=labels.device)
    run_max = run_max.scatter_reduce(1, run_id, labels.view(n, -1), 'amax')
    return run_max.gather(1, run_id).view(n, h, w)


def connected_components(mask: torch.Tensor,
                         num_iters: Optional[int] = None) -> torch.Tensor:
    """4-connected component labels by iterative label propagation.

    Every foreground cell starts with its own flat index + 1. Each round
    (1) gives every horizontal run of foreground cells the largest label
    in it, (2) does the same for vertical runs, and (3) jumps each label
    to the label its source cell holds now (pointer jumping: that cell is
    in the same component, and labels only grow). A component ends with
    the largest flat index + 1 of its cells. The round count is fixed, so
    nothing is read back to the host. A round carries a label along a
    straight run of any length, so the rounds needed grow with the number
    of turns of the paths in a component, not their length: the default
    ``h + w`` is far above what the tests see on random masks (random
    32 x 32 masks of 30-70 % foreground need at most 16 of the 64;
    checked against ``scipy.ndimage.label``). Pass ``num_iters=h * w``
    for a bound that holds for any mask.

    Args:
        mask (torch.Tensor): Bool foreground ``(N, h, w)``.
        num_iters (int, optional): Rounds. Defaults to ``h + w``.

    Returns:
        torch.Tensor: int64 labels ``(N, h, w)``: 0 on the background, and
        on a component the largest flat index (``y * w + x``) of its
        cells plus 1, so labels lie in ``[1, h * w]``.
    """
    if mask.dim() != 3 or mask.dtype != torch.bool:
        raise ValueError('connected_components expects a bool (N, h, w) '
                         f'mask, got {mask.dtype} {tuple(mask.shape)}.')
    n, h, w = mask.shape
    num_iters = h + w if num_iters is None else num_iters
    index = torch.arange(1, h * w + 1, device=mask.device).view(1, h, w)
    labels = torch.where(mask, index, 0)
    mask_t = mask.transpose(1, 2).contiguous()
    for _ in range(num_iters):
        labels = _run_max(labels, mask)
        labels = _run_max(labels.transpose(1, 2).contiguous(),
                          mask_t).transpose(1, 2).reshape(n, h * w)
        # Label 0 (background) gathers slot 0 of the padded row, i.e. 0.
        jumped = F.pad(labels, (1, 0)).gather(1, labels)
        labels = torch.maximum(labels, jumped).view(n, h, w)
    return labels


def component_boxes(
        cams: torch.Tensor,
        mask: torch.Tensor,
        min_size: int = 2,
        num_iters: Optional[int] = None
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Tight boxes of the connected components of ``mask``.

    Components are found by :func:`connected_components`; their boxes and
    peaks are reduced by scatter over the label, so every map has
    ``S = h * w + 1`` box slots (slot ``j`` holds the component labelled
    ``j``) and a validity flag.

    Args:
        cams (torch.Tensor): Scores ``(N, h, w)``; the peak of each
            component is its score.
        mask (torch.Tensor): Bool foreground ``(N, h, w)``.
        min_size (int): Components with fewer cells are dropped.
            Defaults to 2 (OASS's online locations).
        num_iters (int, optional): See :func:`connected_components`.

    Returns:
        tuple[torch.Tensor]: ``boxes`` ``(N, S, 4)`` int64 as
        ``x0, y0, x1, y1`` in grid cells (``[x0, x1) x [y0, y1)``),
        ``scores`` ``(N, S)`` (component peaks) and ``valid`` ``(N, S)``
        bool. Invalid slots hold zero boxes and scores.
    """
    n, h, w = mask.shape
    labels = connected_components(mask, num_iters).view(n, h * w)
    slots = h * w + 1
    ys, xs = torch.meshgrid(
        torch.arange(h, device=mask.device),
        torch.arange(w, device=mask.device),
        indexing='ij')
    xs = xs.reshape(1, -1).expand(n, -1)
    ys = ys.reshape(1, -1).expand(n, -1)
    count = torch.zeros(n, slots, dtype=torch.long, device=mask.device)
    count.scatter_add_(1, labels, torch.ones_like(labels))

    def reduce(values: torch.Tensor, how: str, init) -> torch.Tensor:
        out = torch.full((n, slots), init, dtype=values.dtype,
                         device=mask.device)
        return out.scatter_reduce(1, labels, values, how, include_self=True)

    x0 = reduce(xs, 'amin', w)
    y0 = reduce(ys, 'amin', h)
    x1 = reduce(xs + 1, 'amax', 0)
    y1 = reduce(ys + 1, 'amax', 0)
    scores = reduce(cams.reshape(n, -1).float(), 'amax', 0.)
    valid = count >= max(min_size, 1)
    valid[:, 0] = False  # slot 0 collects the background
    boxes = torch.stack([x0, y0, x1, y1], -1) * valid[..., None]
    return boxes, scores * valid, valid

"""Object-aware tiling (OA-tiling) and the puzzle losses of OASS.

docs/reference/oass.md ("Online object locations and OA-tiling") gives
the rules and their evidence. One vertical cut ``k_x`` and one
horizontal cut ``k_y`` (grid cells of the stride-16 map) split every crop
into four tiles TL, TR, BL, BR; the cut avoids slicing the current object
boxes. The tiles of one size rank (see :func:`size_rank_canvases`) are
cropped out of the batch into a canvas of a fixed size, zero outside the
tile (the mean colour once normalised), so their pass has static shapes
and needs no host read. All functions are
batched over images, with no Python loop over images or boxes.
"""
import math
from fractions import Fraction
from typing import Callable, List, Optional, Tuple

import torch
import torch.nn.functional as F

#: Tile order, also the order of ``regions[:, k]``.
TILE_NAMES = ('TL', 'TR', 'BL', 'BR')


def cut_candidates(size: int, margin: float = 0.25) -> Tuple[int, int]:
    """First and last candidate cut of an axis of ``size`` cells.

    Args:
        size (int): Grid cells along the axis.
        margin (float): Share of the axis kept free of cuts at each end,
            in ``(0, 0.5]``. Defaults to 0.25 (docs/reference/oass.md: cuts
            in ``[s/4, 3s/4]``).

    Returns:
        tuple[int, int]: ``ceil(margin * size)`` and
        ``floor((1 - margin) * size)`` (``ceil(size / 4)`` and
        ``floor(3 * size / 4)`` by default).
    """
    if not 0 < margin <= 0.5:
        raise ValueError(f'cut margin must be in (0, 0.5], got {margin}')
    share = Fraction(margin).limit_denominator(1000)  # 0.375 -> 3/8 exactly
    return math.ceil(share * size), math.floor((1 - share) * size)


def max_tile_size(size: int, margin: float = 0.25) -> int:
    """Largest tile side OA-tiling can produce on an axis of ``size`` cells.

    Args:
        size (int): Grid cells along the axis.
        margin (float): See :func:`cut_candidates`.

    Returns:
        int: ``size - ceil(margin * size)``.
    """
    return size - cut_candidates(size, margin)[0]


def size_rank_canvases(h: int, w: int,
                       margin: float = 0.25) -> List[Tuple[int, int]]:
    """Canvas ``(rows, cols)`` of the four size groups of OA-tiling.

    Per axis, one tile of a row (column) pair is at least as long as the
    other: the longer is at most :func:`max_tile_size`, the shorter at most
    ``size // 2``. Grouping the tiles by size rank (taller row x wider
    column, taller x narrower, shorter x wider, shorter x narrower) instead
    of by position lets each group use its own fixed canvas:
    ``(max_tile_size(h) + h // 2) * (max_tile_size(w) + w // 2)`` cells in
    all, about 1.56 ``h * w`` instead of 2.25 ``h * w`` for four canvases
    of the largest tile.

    Args:
        h (int): Grid height.
        w (int): Grid width.
        margin (float): See :func:`cut_candidates`.

    Returns:
        list[tuple[int, int]]: For groups 0-3, the canvas height and width
        in cells.
    """
    tall, short = max_tile_size(h, margin), h // 2
    wide, narrow = max_tile_size(w, margin), w // 2
    return [(tall, wide), (tall, narrow), (short, wide), (short, narrow)]


def size_rank_tiles(cut_x: torch.Tensor, cut_y: torch.Tensor, h: int,
                    w: int) -> torch.Tensor:
    """Tile index (TL, TR, BL, BR) in each size group of every image.

    Group ``g`` of :func:`size_rank_canvases` takes the tile in the taller
    row if ``g < 2`` and in the wider column if ``g`` is even (top row and
    left column on a tie). The map is its own inverse: entry ``[b, k]`` is
    also the group of tile ``k``.

    Args:
        cut_x, cut_y, h, w: As :func:`tile_regions`.

    Returns:
        torch.Tensor: int64 ``(B, 4)``.
    """
    left_narrow = (2 * cut_x < w).long()[:, None]  # TL narrower than TR
    top_short = (2 * cut_y < h).long()[:, None]
    group = torch.arange(4, device=cut_x.device)[None]
    return ((group // 2) ^ top_short) * 2 + ((group % 2) ^ left_narrow)


def select_cuts(lo: torch.Tensor,
                hi: torch.Tensor,
                area: torch.Tensor,
                size: int,
                generator: Optional[torch.Generator] = None,
                margin: float = 0.25) -> torch.Tensor:
    r"""OA-tiling cut along one axis for every image.

    Candidates :math:`k \in \{\lceil s/4\rceil, \dots, \lfloor 3s/4
    \rfloor\}`; :math:`\mathrm{cost}(k) = \sum_b \mathrm{area}(b)\,
    [lo(b) < k < hi(b)]`, the area of the boxes the line slices. Among the
    cheapest candidates the one closest to :math:`s/2` wins, and a tie of
    two equidistant ones is broken uniformly at random. With no boxes
    (all areas 0) an even ``size`` gives exactly ``size / 2``.

    Args:
        lo (torch.Tensor): Box starts along the axis ``(B, K)``.
        hi (torch.Tensor): Box ends (exclusive) ``(B, K)``.
        area (torch.Tensor): Box areas ``(B, K)``; 0 for padding slots.
        size (int): Grid cells along the axis.
        generator (torch.Generator, optional): For the tie break.
        margin (float): Candidates in ``[margin s, (1 - margin) s]``; see
            :func:`cut_candidates`. Defaults to 0.25.

    Returns:
        torch.Tensor: int64 cuts ``(B,)``.
    """
    first, last = cut_candidates(size, margin)
    cand = torch.arange(first, last + 1, device=lo.device)  # (P,)
    sliced = (lo[..., None] < cand) & (cand < hi[..., None])  # (B, K, P)
    cost = (area.float()[..., None] * sliced).sum(1)  # (B, P)
    cheapest = cost == cost.amin(1, keepdim=True)
    # |2k - s| is an integer, so a jitter in [0, 1) only breaks exact ties.
    distance = (2 * cand - size).abs().float()
    jitter = torch.rand(cost.shape, generator=generator, device=lo.device)
    rank = torch.where(cheapest, distance + jitter, torch.inf)
    return cand[rank.argmin(1)]


def tile_regions(cut_x: torch.Tensor, cut_y: torch.Tensor, h: int,
                 w: int) -> torch.Tensor:
    """The four tiles of every image from its cuts.

    Args:
        cut_x (torch.Tensor): Vertical cuts ``(B,)`` in cells.
        cut_y (torch.Tensor): Horizontal cuts ``(B,)`` in cells.
        h (int): Grid height.
        w (int): Grid width.

    Returns:
        torch.Tensor: int64 ``(B, 4, 4)``: for TL, TR, BL, BR the box
        ``x0, y0, x1, y1`` in cells.
    """
    zero = torch.zeros_like(cut_x)
    full_w, full_h = zero + w, zero + h
    x0 = torch.stack([zero, cut_x, zero, cut_x], 1)
    x1 = torch.stack([cut_x, full_w, cut_x, full_w], 1)
    y0 = torch.stack([zero, zero, cut_y, cut_y], 1)
    y1 = torch.stack([cut_y, cut_y, full_h, full_h], 1)
    return torch.stack([x0, y0, x1, y1], -1)


def crop_regions(x: torch.Tensor, regions: torch.Tensor, out_h: int,
                 out_w: int) -> torch.Tensor:
    """Crop one region per image into a zero canvas at its top-left.

    Args:
        x (torch.Tensor): ``(B, C, H, W)``.
        regions (torch.Tensor): ``(B, 4)`` as ``x0, y0, x1, y1`` in the
            units of ``x``; a region larger than the canvas is cut.
        out_h (int): Canvas height.
        out_w (int): Canvas width.

    Returns:
        torch.Tensor: ``(B, C, out_h, out_w)``; zero below and right of
        the region (the padding of the batched tile pass).
    """
    b, c, height, width = x.shape
    x0, y0, x1, y1 = regions.unbind(-1)
    rows = y0[:, None] + torch.arange(out_h, device=x.device)  # (B, out_h)
    cols = x0[:, None] + torch.arange(out_w, device=x.device)  # (B, out_w)
    inside = (rows < y1[:, None])[:, :, None] & (cols < x1[:, None])[:, None]
    rows = rows.clamp(max=height - 1)
    cols = cols.clamp(max=width - 1)
    out = x.gather(2, rows[:, None, :, None].expand(b, c, out_h, width))
    out = out.gather(3, cols[:, None, None, :].expand(b, c, out_h, out_w))
    return out * inside[:, None].to(out.dtype)


def merge_tiles(tile_maps: List[torch.Tensor], regions: torch.Tensor, h: int,
                w: int) -> torch.Tensor:
    """Stitch the valid part of each tile's map back into the full grid.

    The inverse of :func:`crop_regions` over the four tiles: cell ``(y,
    x)`` is read from the tile that contains it, at its offset in that
    tile.

    Args:
        tile_maps (list[torch.Tensor]): Four ``(B, C, p_h, p_w)`` maps in
            TL, TR, BL, BR order, each holding its tile at the top-left.
        regions (torch.Tensor): ``(B, 4, 4)`` from :func:`tile_regions`.
        h (int): Grid height.
        w (int): Grid width.

    Returns:
        torch.Tensor: The merged map ``(B, C, h, w)``.
    """
    b, c, p_h, p_w = tile_maps[0].shape
    cut_x, cut_y = regions[:, 3, 0], regions[:, 3, 1]  # BR starts at cuts
    ys = torch.arange(h, device=regions.device)
    xs = torch.arange(w, device=regions.device)
    below = ys[None] >= cut_y[:, None]  # (B, h)
    right = xs[None] >= cut_x[:, None]  # (B, w)
    tile = below[:, :, None].long() * 2 + right[:, None, :].long()  # (B,h,w)
    local_y = (ys[None] - cut_y[:, None] * below).clamp(max=p_h - 1)
    local_x = (xs[None] - cut_x[:, None] * right).clamp(max=p_w - 1)
    flat = local_y[:, :, None] * p_w + local_x[:, None, :]  # (B, h, w)
    index = (tile * p_h * p_w + flat).view(b, 1, h * w).expand(b, c, -1)
    stacked = torch.stack(tile_maps, 2).view(b, c, 4 * p_h * p_w)
    return stacked.gather(2, index).view(b, c, h, w)


def region_mask(regions: torch.Tensor, out_h: int,
                out_w: int) -> torch.Tensor:
    """Bool ``(..., out_h, out_w)`` mask of each region's cells.

    Args:
        regions (torch.Tensor): ``(..., 4)`` as ``x0, y0, x1, y1``.
        out_h (int): Grid height.
        out_w (int): Grid width.

    Returns:
        torch.Tensor: True inside the region.
    """
    ys = torch.arange(out_h, device=regions.device)
    xs = torch.arange(out_w, device=regions.device)
    x0, y0, x1, y1 = (v[..., None] for v in regions.unbind(-1))
    rows = (ys >= y0) & (ys < y1)
    cols = (xs >= x0) & (xs < x1)
    return rows[..., :, None] & cols[..., None, :]


def masked_gap(maps: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Mean of ``maps`` over the valid cells only.

    Args:
        maps (torch.Tensor): ``(B, C, h, w)``.
        valid (torch.Tensor): Bool ``(B, h, w)``, at least one True each.

    Returns:
        torch.Tensor: ``(B, C)``.
    """
    weight = valid[:, None].to(maps.dtype)
    return (maps * weight).sum((2, 3)) / weight.sum((2, 3)).clamp(min=1)


def tile_targets(labels: torch.Tensor, boxes: torch.Tensor,
                 valid: torch.Tensor, foreground: torch.Tensor,
                 regions: torch.Tensor,
                 rho: float = 0.5) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pseudo-targets of the object-aware tile classification.

    For tile ``k`` and class ``c``: 0 if ``y_c = 0``; 1 if ``y_c = 1`` and
    a box of class ``c`` has at least ``rho`` of its area inside the
    tile; 0 if ``y_c = 1`` but the foreground mask of ``c`` has no cell in
    the tile; ignored otherwise.

    Args:
        labels (torch.Tensor): Multi-hot ``(B, C)``.
        boxes (torch.Tensor): ``(B, C, S, 4)`` cells, ``x0, y0, x1, y1``.
        valid (torch.Tensor): Bool ``(B, C, S)`` box slots in use.
        foreground (torch.Tensor): Bool ``(B, C, h, w)`` thresholded CAMs.
        regions (torch.Tensor): ``(B, 4, 4)`` tiles.
        rho (float): Share of a box's area inside a tile that makes the
            class present there. Defaults to 0.5.

    Returns:
        tuple[torch.Tensor]: ``targets`` and ``weights`` ``(B, 4, C)``;
        weight 0 marks an ignored entry.
    """
    h, w = foreground.shape[-2:]
    box = boxes[:, None].float()  # (B, 1, C, S, 4)
    tile = regions[:, :, None, None].float()  # (B, 4, 1, 1, 4)
    inter_w = (torch.minimum(box[..., 2], tile[..., 2]) -
               torch.maximum(box[..., 0], tile[..., 0])).clamp(min=0)
    inter_h = (torch.minimum(box[..., 3], tile[..., 3]) -
               torch.maximum(box[..., 1], tile[..., 1])).clamp(min=0)
    area = ((box[..., 2] - box[..., 0]) * (box[..., 3] - box[..., 1]))
    inside = (inter_w * inter_h >= rho * area) & valid[:, None]
    present = inside.any(-1)  # (B, 4, C)
    cells = region_mask(regions, h, w)  # (B, 4, h, w)
    any_fg = (foreground[:, None] & cells[:, :, None]).flatten(3).any(-1)
    positive = labels[:, None].bool()
    targets = (positive & present).to(labels.dtype)
    weights = (~positive | present | ~any_fg).to(labels.dtype)
    return targets, weights


def padded_tile_maps(class_maps: Callable[[torch.Tensor], torch.Tensor],
                     inputs: torch.Tensor, regions: torch.Tensor,
                     cut_x: torch.Tensor, cut_y: torch.Tensor, stride: int,
                     canvas: str = 'by_size', margin: float = 0.25
                     ) -> Tuple[List[torch.Tensor], int, int]:
    """Class maps of the four tiles, each cropped into a zero canvas.

    Args:
        class_maps (Callable): Crops ``(N, 3, H', W')`` to class maps
            ``(N, C, H' / stride, W' / stride)``.
        inputs (torch.Tensor): Crops ``(B, 3, H, W)``.
        regions (torch.Tensor): ``(B, 4, 4)`` from :func:`tile_regions`.
        cut_x, cut_y (torch.Tensor): Cuts ``(B,)`` in cells.
        stride (int): Pixels per cell.
        canvas (str): ``'grid'`` (tiles of half a side, one pass of 4B),
            ``'largest'`` (one pass of 4B on canvases of the largest tile)
            or ``'by_size'`` (one pass per size group of
            :func:`size_rank_canvases`).
        margin (float): See :func:`cut_candidates`.

    Returns:
        tuple: Four ``(B, C, p_h, p_w)`` maps in TL, TR, BL, BR order, each
        tile at the top-left (cells outside it are not used), and ``p_h,
        p_w``.
    """
    b, _, height, width = inputs.shape
    h, w, s = height // stride, width // stride, stride
    if canvas in ('grid', 'largest'):
        if canvas == 'grid':
            p_h, p_w = h - h // 2, w - w // 2
        else:
            p_h, p_w = max_tile_size(h, margin), max_tile_size(w, margin)
        tiles = torch.cat([
            crop_regions(inputs, regions[:, k] * s, p_h * s, p_w * s)
            for k in range(4)
        ])  # (4B, 3, p_h s, p_w s): one pass, batched by tile index
        return list(class_maps(tiles).chunk(4)), p_h, p_w
    shapes = size_rank_canvases(h, w, margin)
    p_h, p_w = shapes[0]  # the largest canvas
    rank = size_rank_tiles(cut_x, cut_y, h, w)  # (B, 4)
    group_maps = []
    for g, (g_h, g_w) in enumerate(shapes):
        region = regions.gather(1, rank[:, g, None, None].expand(b, 1, 4))
        maps = class_maps(
            crop_regions(inputs, region[:, 0] * s, g_h * s, g_w * s))
        group_maps.append(F.pad(maps, (0, p_w - g_w, 0, p_h - g_h)))
    stacked = torch.stack(group_maps, 1)  # (B, 4, C, p_h, p_w)
    # size_rank_tiles is its own inverse: rank[b, k] is tile k's group.
    index = rank[:, :, None, None, None].expand_as(stacked)
    return list(stacked.gather(1, index).unbind(1)), p_h, p_w


def multilabel_soft_margin(logits: torch.Tensor,
                           targets: torch.Tensor,
                           weights: Optional[torch.Tensor] = None
                           ) -> torch.Tensor:
    r"""Multi-label soft-margin loss, optionally over kept entries only.

    :math:`\ell_{ML}(z, y) = -\frac1C\sum_c [y_c \log\sigma(z_c) + (1-y_c)
    \log(1-\sigma(z_c))]`, averaged over the batch; with ``weights`` the
    mean runs over the entries of weight 1 (0 if there are none).

    Args:
        logits (torch.Tensor): ``(..., C)``.
        targets (torch.Tensor): ``(..., C)`` in {0, 1}.
        weights (torch.Tensor, optional): ``(..., C)`` in {0, 1}.

    Returns:
        torch.Tensor: Scalar loss.
    """
    loss = F.binary_cross_entropy_with_logits(
        logits, targets.to(logits.dtype), reduction='none')
    if weights is None:
        return loss.mean()
    weights = weights.to(loss.dtype)
    return (loss * weights).sum() / weights.sum().clamp(min=1)


def reconstruction_loss(class_maps: torch.Tensor, merged: torch.Tensor,
                        labels: torch.Tensor) -> torch.Tensor:
    r"""Puzzle-CAM's part-whole reconstruction on the raw class maps.

    :math:`L_{re} = \frac1{BChw}\sum_{b,c,u} y_{b,c}\,|M_{b,c}(u) -
    \tilde M_{b,c}(u)|`: negative classes are masked but stay in the
    denominator.

    Args:
        class_maps (torch.Tensor): Full-crop maps ``(B, C, h, w)``.
        merged (torch.Tensor): Merged tile maps ``(B, C, h, w)``.
        labels (torch.Tensor): Multi-hot ``(B, C)``.

    Returns:
        torch.Tensor: Scalar loss.
    """
    diff = (class_maps - merged).abs() * labels[:, :, None, None]
    return diff.mean()

"""Separated tiles: the four OA-tiles of a crop in place, on one canvas.

Puzzle-CAM (Jo & Yu, ICIP 2021, arXiv 2101.11253) sends every tile
through the network alone. A CNN mixes neighbouring pixels only in its
spatial layers (convolutions and pooling with a kernel wider than 1). So the four tiles
can stay where they are on one canvas per image, pushed apart by a gap of
``gap`` grid cells along both cuts, if the input of every spatial layer is
zeroed in the gap (:class:`TileIsolation`): each layer then reads zeros
past a tile's border, as it reads its zero padding when the tile is alone,
provided the gap is at least the layer's reach. A tile's output then
equals the output of that tile alone, exactly, in eval mode (tested on the
ResNet family). The canvas covers ``(h + gap) (w + gap)`` cells, 1.06x a
32 x 32 grid for ``gap=1``, against 1.56x or 2.25x for tiles padded to
fixed canvases (:mod:`mmmlc.models.utils.oa_tiling`); its shape is fixed,
so nothing is read back to the host. In train mode BatchNorm takes its
statistics over the canvases, gap cells included.

What the hooks cannot see, such as a functional pooling call inside a
block's ``forward``, is not isolated: :func:`check_isolatable` refuses the
module types known to mix a whole map, and the other backbones should be
checked with the eval-mode equality of the tests before use.
"""
import math
from typing import Dict, Iterable, Tuple

import torch
import torch.nn as nn

#: Module types that mix every position of a map (or are recomputed
#: without the hooks), so the tiles cannot be separated by a gap.
NOT_ISOLATABLE = (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d,
                  nn.MultiheadAttention, nn.Upsample, nn.Unfold, nn.Fold)


def check_isolatable(modules: Iterable[nn.Module], owner: str) -> None:
    """Raise if a module cannot have its tiles separated by a gap.

    Args:
        modules (Iterable[nn.Module]): The networks the tiles go through
            (backbone, neck).
        owner (str): Named in the error.
    """
    for net in modules:
        for name, module in net.named_modules():
            if isinstance(module, NOT_ISOLATABLE):
                raise ValueError(
                    f"{owner}: tile_canvas='separated' needs a network "
                    f'whose spatial mixing is done by convolution and '
                    f'pooling layers; {name} ({type(module).__name__}) '
                    f"mixes the whole map. Use tile_canvas='by_size'.")
            if getattr(module, 'with_cp', False):
                raise ValueError(
                    f"{owner}: tile_canvas='separated' cannot be used with "
                    f'gradient checkpointing ({name}.with_cp=True): the '
                    'recomputed forward would not zero the gap. Set '
                    "with_cp=False or use tile_canvas='by_size'.")


def _gap_index(size: int, cut: torch.Tensor, gap: int,
               unit: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Source index and gap flag of every canvas row (or column).

    Args:
        size (int): Crop side in pixels (``h * unit``).
        cut (torch.Tensor): Cuts ``(B,)`` in cells.
        gap (int): Gap in cells.
        unit (int): Pixels per cell.

    Returns:
        tuple[torch.Tensor]: int64 source ``(B, size + gap * unit)``,
        clamped into the crop, and bool ``in_gap`` of the same shape.
    """
    pos = torch.arange(size + gap * unit, device=cut.device)[None]
    start = (cut * unit)[:, None]
    after = pos >= start + gap * unit
    in_gap = (pos >= start) & ~after
    source = (pos - after.long() * gap * unit).clamp(max=size - 1)
    return source, in_gap


def gap_canvas(x: torch.Tensor, cut_x: torch.Tensor, cut_y: torch.Tensor,
               gap: int, unit: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Move the four tiles of every image apart by ``gap`` cells.

    Args:
        x (torch.Tensor): Crops ``(B, C, H, W)``.
        cut_x (torch.Tensor): Vertical cuts ``(B,)`` in cells.
        cut_y (torch.Tensor): Horizontal cuts ``(B,)`` in cells.
        gap (int): Gap in cells (>= 1).
        unit (int): Pixels per cell of ``x`` (the model's stride).

    Returns:
        tuple[torch.Tensor]: The canvas ``(B, C, H + gap unit, W + gap
        unit)``, zero in the gap, and the bool mask ``(B, 1, ...)`` of the
        gap pixels.
    """
    b, c, height, width = x.shape
    rows, gap_rows = _gap_index(height, cut_y, gap, unit)
    cols, gap_cols = _gap_index(width, cut_x, gap, unit)
    out = x.gather(2, rows[:, None, :, None].expand(b, c, -1, width))
    out = out.gather(3, cols[:, None, None, :].expand(b, c, out.shape[2], -1))
    in_gap = (gap_rows[:, :, None] | gap_cols[:, None, :])[:, None]
    return out.masked_fill(in_gap, 0), in_gap


def drop_gap(maps: torch.Tensor, cut_x: torch.Tensor, cut_y: torch.Tensor,
             gap: int) -> torch.Tensor:
    """The inverse of :func:`gap_canvas` on a grid: remove the gap cells.

    Args:
        maps (torch.Tensor): ``(B, C, h + gap, w + gap)``.
        cut_x, cut_y (torch.Tensor): Cuts ``(B,)`` in cells.
        gap (int): Gap in cells.

    Returns:
        torch.Tensor: ``(B, C, h, w)``, the tiles stitched together.
    """
    b, c, rows, cols = maps.shape
    h, w = rows - gap, cols - gap
    ys = torch.arange(h, device=maps.device)[None]
    xs = torch.arange(w, device=maps.device)[None]
    ys = ys + gap * (ys >= cut_y[:, None]).long()  # (B, h)
    xs = xs + gap * (xs >= cut_x[:, None]).long()  # (B, w)
    out = maps.gather(2, ys[:, None, :, None].expand(b, c, h, cols))
    return out.gather(3, xs[:, None, None, :].expand(b, c, h, w))


def gap_regions(regions: torch.Tensor, gap: int) -> torch.Tensor:
    """Tiles ``(B, 4, 4)`` (TL, TR, BL, BR) moved to canvas cells."""
    shift = regions.new_tensor([[0, 0, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1],
                                [1, 1, 1, 1]])
    return regions + gap * shift


def _window(module: nn.Module) -> Tuple[Tuple[int, int], ...]:
    """``(kernel, stride, padding, dilation)`` pairs of a spatial layer."""
    def pair(v):
        return tuple(v) if isinstance(v, (tuple, list)) else (v, v)

    if isinstance(module, nn.Conv2d):
        if module.padding_mode != 'zeros' or isinstance(module.padding, str):
            raise ValueError(f'{module}: only numeric zero padding keeps the '
                             'tiles of a separated canvas exact.')
        return (pair(module.kernel_size), pair(module.stride),
                pair(module.padding), pair(module.dilation))
    dilation = getattr(module, 'dilation', 1)
    stride = module.stride if module.stride is not None else \
        module.kernel_size
    return (pair(module.kernel_size), pair(stride), pair(module.padding),
            pair(dilation))


def _out_size(size: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    span = size + 2 * p - d * (k - 1) - 1
    return (math.ceil(span / s) if ceil else span // s) + 1


class TileIsolation:
    """Zero the gap of a separated canvas at every spatial layer's input.

    A context manager: forward pre-hooks on the convolutions and pooling
    layers of ``modules`` whose window is wider than one pixel, removed on
    exit (autograd has recorded the masking by then, so the backward pass
    masks the gradients alike). On first sight of a
    layer the hook checks, on Python ints only, that a tile's outputs are
    those of the tile alone: ``stride`` outputs per ``stride`` inputs, no
    read past the gap, average pooling that counts its padding (or never
    reaches it). Max pooling sees the lowest finite value in the gap, as
    it would see its ``-inf`` padding.

    Args:
        modules (Iterable[nn.Module]): Networks of the tile pass.
        in_gap (torch.Tensor): Bool ``(B, 1, H_c, W_c)`` from
            :func:`gap_canvas`.
        gap_px (int): The gap in canvas pixels (``gap * unit``).
    """

    def __init__(self, modules: Iterable[nn.Module], in_gap: torch.Tensor,
                 gap_px: int) -> None:
        self.modules = [m for net in modules for m in net.modules()
                        if self._spatial(m)]
        self.in_gap = in_gap
        self.gap_px = gap_px
        self.masks: Dict[int, torch.Tensor] = {}  # by input stride
        self.checked = set()
        self.handles = []

    @staticmethod
    def _spatial(module: nn.Module) -> bool:
        if isinstance(module, nn.Conv2d):
            return max(module.kernel_size) > 1
        if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            kernel = module.kernel_size
            return max(kernel if isinstance(kernel, tuple) else (kernel, )) > 1
        return False

    def _check(self, module: nn.Module, step: int) -> None:
        gap = self.gap_px // step
        kernel, stride, padding, dilation = _window(module)
        ceil = getattr(module, 'ceil_mode', False)
        for k, s, p, d in zip(kernel, stride, padding, dilation):
            tile = 4 * s  # a tile side: a multiple of the layer's stride
            reach = max(p, d * (k - 1) - p - s + 1)
            counts_pad = getattr(module, 'count_include_pad', True) or p == 0
            if (_out_size(tile, k, s, p, d, ceil) != tile // s or
                    reach > gap or gap % s or not counts_pad):
                raise ValueError(
                    f"tile_canvas='separated': the gap ({self.gap_px} px of "
                    f'the canvas, {gap} px at this layer) does not keep '
                    f'the tiles apart at {module} (input stride {step}, '
                    f'reach {reach} px). Raise tile_gap or use '
                    "tile_canvas='by_size'.")

    def _hook(self, module: nn.Module, args):
        x = args[0]
        step = self.in_gap.shape[-1] // x.shape[-1]
        if (step * x.shape[-1] != self.in_gap.shape[-1]
                or step * x.shape[-2] != self.in_gap.shape[-2]):
            raise ValueError(
                f"tile_canvas='separated': {module} sees a "
                f'{tuple(x.shape[-2:])} map, not the canvas '
                f'{tuple(self.in_gap.shape[-2:])} divided by a whole stride.')
        if id(module) not in self.checked:
            self._check(module, step)
            self.checked.add(id(module))
        mask = self.masks.get(step)
        if mask is None:
            mask = self.masks[step] = self.in_gap[..., ::step,
                                                   ::step].contiguous()
        fill = torch.finfo(x.dtype).min if isinstance(
            module, nn.MaxPool2d) else 0
        return (x.masked_fill(mask, fill), ) + tuple(args[1:])

    def __enter__(self) -> 'TileIsolation':
        self.handles = [
            m.register_forward_pre_hook(self._hook) for m in self.modules
        ]
        return self

    def __exit__(self, *exc) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles = []

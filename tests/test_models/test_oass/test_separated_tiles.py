"""Separated tiles (tile_canvas='separated'): each tile's maps equal the
maps of that tile alone (mmmlc/models/utils/separated_tiles.py)."""
import pytest
import torch
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.models.utils.oa_tiling import tile_regions
from mmmlc.models.utils.separated_tiles import (TileIsolation, drop_gap,
                                                gap_canvas, gap_regions)
from mmmlc.registry import MODELS

C = 4
R18 = dict(type='ResNet', depth=18, base_channels=8, stem_channels=8,
           strides=(1, 2, 2, 1), out_indices=(3, ))


def build(backbone=R18, in_channels=64, stride=16, **kwargs):
    init_default_scope('mmmlc')
    model = MODELS.build(
        dict(type='OASSClassifier', backbone=backbone, stride=stride,
             head=dict(type='CAMHead', num_classes=C,
                       in_channels=in_channels), **kwargs))
    model.init_weights()
    gen = torch.Generator().manual_seed(0)
    for m in model.modules():
        # Non-trivial BatchNorm in eval mode; no zero-initialised residual
        # branch (that would make every block an identity plus a constant).
        if isinstance(m, torch.nn.BatchNorm2d):
            for v, lo, hi in ((m.running_mean, -.5, .5), (m.running_var, .5,
                              1.5), (m.weight, .5, 1.5), (m.bias, -.5, .5)):
                v.data.copy_(torch.rand(v.shape, generator=gen) * (hi - lo)
                             + lo)
    return model.eval()


def alone(model, inputs, regions, stride):
    """Merged maps and tile GAPs with every tile sent through alone."""
    b, _, height, width = inputs.shape
    merged = inputs.new_zeros(b, C, height // stride, width // stride)
    logits = inputs.new_zeros(b, 4, C)
    for i in range(b):
        for k in range(4):
            x0, y0, x1, y1 = regions[i, k].tolist()
            tile = inputs[i:i + 1, :, y0 * stride:y1 * stride,
                          x0 * stride:x1 * stride]
            maps = model.head.class_maps(model.extract_feat(tile))[0]
            merged[i, :, y0:y1, x0:x1] = maps
            logits[i, k] = maps.mean((1, 2))
    return merged, logits


def cuts_and_inputs(b, h, w, stride, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(b, 3, h * stride, w * stride, generator=gen)
    cut_x = torch.randint(-(-w // 4), 3 * w // 4 + 1, (b, ), generator=gen)
    cut_y = torch.randint(-(-h // 4), 3 * h // 4 + 1, (b, ), generator=gen)
    cut_x[0], cut_y[0] = -(-w // 4), 3 * h // 4  # the extreme cuts
    return inputs, cut_x, cut_y


def test_canvas_moves_tiles_apart_and_drop_gap_inverts_it():
    x = torch.arange(2 * 6 * 8.).view(2, 1, 6, 8)
    cut_x, cut_y = torch.tensor([2, 5]), torch.tensor([3, 1])
    canvas, in_gap = gap_canvas(x, cut_x, cut_y, gap=2, unit=1)
    assert canvas.shape == (2, 1, 8, 10)
    # Image 1: rows 1-2 and columns 5-6 are the gap; BR starts at (3, 7).
    assert in_gap[1, 0, 1:3].all() and in_gap[1, 0, :, 5:7].all()
    assert in_gap[1].sum() == 2 * 10 + 2 * 8 - 4
    assert (canvas[in_gap] == 0).all()
    assert torch.equal(canvas[1, 0, 3:, 7:], x[1, 0, 1:, 5:])
    assert torch.equal(canvas[0, 0, :3, :2], x[0, 0, :3, :2])
    assert torch.equal(drop_gap(canvas, cut_x, cut_y, 2), x)
    regions = gap_regions(tile_regions(cut_x, cut_y, 6, 8), 2)
    assert regions[1].tolist() == [[0, 0, 5, 1], [7, 0, 10, 1],
                                   [0, 3, 5, 8], [7, 3, 10, 8]]


@pytest.mark.parametrize('name, backbone, in_channels, stride, gap', [
    ('resnet18', R18, 64, 16, 1),
    ('resnet50', dict(R18, depth=50), 256, 16, 1),
    ('resnetv1d50', dict(R18, type='ResNetV1d', depth=50), 256, 16, 1),
    ('resnet18 stride 8', dict(R18, strides=(1, 2, 1, 1)), 64, 8, 1),
    ('dilated resnet18', dict(R18, dilations=(1, 1, 1, 2)), 64, 16, 2),
])
def test_tiles_on_the_canvas_equal_tiles_alone(name, backbone, in_channels,
                                               stride, gap):
    model = build(backbone, in_channels, stride, tile_gap=gap)
    h, w = 8, 10
    inputs, cut_x, cut_y = cuts_and_inputs(3, h, w, stride)
    regions = tile_regions(cut_x, cut_y, h, w)
    with torch.no_grad():
        merged, logits = model._tile_outputs(inputs, regions, cut_x, cut_y,
                                             h, w)
        ref_merged, ref_logits = alone(model, inputs, regions, stride)
        scale = ref_merged.abs().max().item()
        assert scale > 0.1, name
        assert (merged - ref_merged).abs().max().item() < 1e-5 * scale, name
        assert (logits - ref_logits).abs().max().item() < 1e-5 * scale, name
        # Padded canvases see more than the tile: the check can fail.
        model.tile_canvas = 'by_size'
        padded, _ = model._tile_outputs(inputs, regions, cut_x, cut_y, h, w)
        assert (padded - ref_merged).abs().max().item() > 1e-2 * scale, name


def test_gradients_equal_those_of_tiles_alone():
    # In float64: a ResNet-50 with random BatchNorm sums large terms, and
    # float32 rounding differs between a canvas and a tile (about 1e-2 of
    # the largest weight gradient); in float64 both agree to 1e-12.
    model = build(dict(R18, depth=50), 256).double()
    h, w = 6, 8
    inputs, cut_x, cut_y = cuts_and_inputs(2, h, w, 16, seed=3)
    inputs = inputs.double()
    regions = tile_regions(cut_x, cut_y, h, w)
    weight = torch.randn(2, C, h, w, dtype=torch.float64,
                         generator=torch.Generator().manual_seed(4))
    grads = []
    for separated in (True, False):
        model.zero_grad()
        x = inputs.clone().requires_grad_()
        if separated:
            merged, _ = model._tile_outputs(x, regions, cut_x, cut_y, h, w)
        else:
            merged, _ = alone(model, x, regions, 16)
        (merged * weight).sum().backward()
        grads.append((x.grad, model.backbone.conv1.weight.grad.clone()))
    for ours, ref in zip(*grads):
        assert ref.abs().max() > 1
        assert (ours - ref).abs().max() < 1e-12 * ref.abs().max()


def test_a_gap_narrower_than_a_layer_reach_is_a_clear_error():
    # Dilation 2 in the last stage reaches 2 cells: a 1-cell gap would let
    # the tiles see each other.
    model = build(dict(R18, dilations=(1, 1, 1, 2)), 64, 16, tile_gap=1)
    inputs, cut_x, cut_y = cuts_and_inputs(1, 8, 8, 16)
    regions = tile_regions(cut_x, cut_y, 8, 8)
    with pytest.raises(ValueError, match='Raise tile_gap'):
        model._tile_outputs(inputs, regions, cut_x, cut_y, 8, 8)


def test_hooks_are_removed_after_the_pass():
    model = build()
    canvas, in_gap = gap_canvas(torch.ones(1, 3, 64, 64), torch.tensor([2]),
                                torch.tensor([2]), 1, 16)
    with TileIsolation([model.backbone], in_gap, 16) as iso:
        assert len(iso.handles) > 0
    conv = model.backbone.conv1
    assert not conv._forward_pre_hooks


@pytest.mark.parametrize('backbone, message', [
    (dict(R18, with_cp=True), 'with_cp'),
    (dict(type='SEResNet', depth=50, base_channels=8, stem_channels=8,
          strides=(1, 2, 2, 1), out_indices=(3, )), 'AdaptiveAvgPool2d'),
])
def test_backbones_that_mix_the_map_are_refused(backbone, message):
    with pytest.raises(ValueError, match=message):
        build(backbone, 256)
    build(backbone, 256, tile_canvas='by_size')  # the other canvases work

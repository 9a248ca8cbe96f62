"""GAELLENeck: attention pooling, per-position BN, shapes.

Attention vectors: docs/reference/gaelle.md, "Fidelity vectors" 3 and 4.
"""
import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import mmmlc  # noqa: F401
from mmmlc.models.heads import GAELLEHead
from mmmlc.models.necks import (GAELLENeck, grouped_attention_pooling,
                                position_batch_norm)

D64 = torch.float64


def test_attention_pooling_toy():
    # b 1, C 4, P 2, identity projection (D 4, no BN), G 2 so M 2.
    feature_map = torch.tensor([[[1., 0], [0, 1], [2, 0], [0, 3]]],
                               dtype=D64)  # (1, C, P): f0, f1 as columns
    logits = feature_map.transpose(1, 2)  # identity projection
    slots, attention = grouped_attention_pooling(feature_map, logits, 2)
    expected_attention = torch.tensor(
        [[.609977, .390023], [.421595, .578405], [.709803, .290197],
         [.279150, .720850]],
        dtype=D64)  # rows d0..d3 over (p0, p1)
    torch.testing.assert_close(
        attention[0].t(), expected_attention, atol=1e-6, rtol=0)
    torch.testing.assert_close(
        slots[0],
        torch.tensor([[.609977, .390023, 1.419606, .870591],
                      [.421595, .578405, .558299, 2.162551]],
                     dtype=D64),
        atol=1e-6,
        rtol=0)


def _neck(**kwargs):
    torch.manual_seed(0)
    cfg = dict(in_channels=16, hid_channels=8, out_channels=8,
               local_out_channels=6, nmb_groups_heads=2)
    cfg.update(kwargs)
    return GAELLENeck(**cfg).double().train()


def _reference_attention_pool(neck, feature_map, temperature=1.0):
    """The reference's loops: g once per position, slots per (g, j)."""
    num, channels, height, width = feature_map.shape
    flat = feature_map.flatten(2)
    logits = torch.stack([
        neck.projection_head(flat[:, :, p]) for p in range(height * width)
    ], dim=1)  # (N, P, D); BN statistics of that position only
    attention = F.softmax(F.normalize(logits, dim=-1) / temperature, dim=1)
    groups = neck.nmb_groups_heads
    slots_per_group = logits.shape[-1] // groups
    width_g = channels // groups
    slots = torch.zeros(num, slots_per_group, channels, dtype=D64)
    for g in range(groups):
        for j in range(slots_per_group):
            weights = attention[:, :, g * slots_per_group + j]  # (N, P)
            part = flat[:, g * width_g:(g + 1) * width_g]  # (N, C/G, P)
            slots[:, j, g * width_g:(g + 1) * width_g] = torch.einsum(
                'np,ncp->nc', weights, part)
    return slots


@pytest.mark.parametrize('temperature', [1.0, 0.5])
def test_vectorised_pooling_equals_reference_loops(temperature):
    neck = _neck(attn_temperature=temperature)
    loops = copy.deepcopy(neck)
    maps = torch.randn(6, 16, 3, 3, dtype=D64)
    slots, _ = neck.attention_pool(maps)
    expected = _reference_attention_pool(loops, maps, temperature)
    torch.testing.assert_close(slots, expected)
    # Running statistics: 9 sequential updates, one per position.
    bn, bn_loops = neck.projection_head[1], loops.projection_head[1]
    torch.testing.assert_close(bn.running_mean, bn_loops.running_mean)
    torch.testing.assert_close(bn.running_var, bn_loops.running_var)
    assert bn.num_batches_tracked.item() == 9
    # Gradients of the pooled slots reach g (the attention) alike.
    weights = torch.randn_like(slots)
    (slots * weights).sum().backward()
    (expected * weights).sum().backward()
    for (name, p), p_loop in zip(neck.projection_head.named_parameters(),
                                 loops.projection_head.parameters()):
        torch.testing.assert_close(p.grad, p_loop.grad, msg=name)


def test_position_bn_switch_off_flattens_positions():
    neck = _neck(position_wise_bn=False)
    maps = torch.randn(4, 16, 2, 2, dtype=D64)
    slots, _ = neck.attention_pool(maps)
    flat = maps.flatten(2).transpose(1, 2).reshape(16, 16)
    logits = copy.deepcopy(neck.projection_head)(flat).view(4, 4, -1)
    expected, _ = grouped_attention_pooling(maps.flatten(2), logits, 2)
    torch.testing.assert_close(slots, expected)
    per_position, _ = _neck().attention_pool(maps)
    assert not torch.allclose(slots, per_position)


@pytest.mark.parametrize('momentum', [0.1, None])
def test_position_batch_norm_equals_sequential_calls(momentum):
    bn = nn.BatchNorm1d(5, momentum=momentum).double()
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
        bn.running_mean.uniform_(-1, 1)
        bn.num_batches_tracked.fill_(3)
    sequential = copy.deepcopy(bn)
    x = torch.randn(6, 4, 5, dtype=D64) * 3 + 1
    out = position_batch_norm(x, bn, sync=True)
    expected = torch.stack([sequential(x[:, p]) for p in range(4)], dim=1)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(bn.running_mean, sequential.running_mean)
    torch.testing.assert_close(bn.running_var, sequential.running_var)
    assert bn.num_batches_tracked.item() == 7
    bn.eval()
    sequential.eval()
    torch.testing.assert_close(
        position_batch_norm(x, bn, sync=True),
        torch.stack([sequential(x[:, p]) for p in range(4)], dim=1))


def test_position_batch_norm_needs_two_rows():
    with pytest.raises(ValueError, match='more than one row'):
        position_batch_norm(torch.zeros(1, 3, 4), nn.BatchNorm1d(4), True)


def test_uniform_attention_is_global_average_pooling_and_shapes():
    # The paper's sizes: b 3, C 2048, D 128, G 4 (M 32), K 3000.
    torch.manual_seed(0)
    neck = GAELLENeck().train()
    head = GAELLEHead()
    batch = 3
    feats = [torch.rand(2 * batch, 2048, 7, 7),
             torch.rand(6 * batch, 2048, 3, 3)]
    z, z_local = neck(feats, batch)
    assert z.shape == (24, 128) and z_local.shape == (192, 128)
    assert head.prototypes(z).shape == (24, 3000)
    assert head.local_prototypes(z_local).shape == (192, 3000)
    torch.testing.assert_close(z.norm(dim=1), torch.ones(24))
    # A constant projection head gives uniform attention: every slot is
    # its crop's GAP feature.
    with torch.no_grad():
        neck.projection_head[3].weight.zero_()
        neck.projection_head[3].bias.uniform_(-1, 1)
    slots, attention = neck.attention_pool(feats[0])
    assert slots.shape == (6, 32, 2048) and attention.shape == (6, 49, 128)
    torch.testing.assert_close(attention, torch.full_like(attention, 1 / 49))
    gap = feats[0].mean(dim=(2, 3))
    torch.testing.assert_close(slots, gap[:, None].expand_as(slots),
                               atol=5e-7, rtol=1e-6)


def test_local_rows_are_view_image_slot():
    neck = _neck()
    batch = 2
    feats = [torch.randn(2 * batch, 16, 2, 2, dtype=D64),
             torch.randn(3 * batch, 16, 1, 1, dtype=D64)]
    _, z_local = neck(feats, batch)
    slots, _ = copy.deepcopy(neck).attention_pool(feats[0])  # (2b, M, C)
    head = copy.deepcopy(neck.local_projection_head)
    expected = F.normalize(head(slots.reshape(-1, 16)), dim=1)
    torch.testing.assert_close(z_local, expected)
    assert z_local.shape == (2 * batch * 4, 6)


def test_without_local_branch():
    neck = _neck(with_local=False)
    assert not hasattr(neck, 'local_projection_head')
    z, z_local = neck([torch.randn(4, 16, 2, 2, dtype=D64)], 2)
    assert z.shape == (4, 8) and z_local is None


def test_bad_configuration():
    with pytest.raises(ValueError, match='nmb_groups_heads=3'):
        GAELLENeck(in_channels=16, out_channels=8, nmb_groups_heads=3)
    neck = _neck()
    with pytest.raises(ValueError, match='two local views'):
        neck([torch.randn(6, 16, 2, 2, dtype=D64)], 2)

"""Issue 19 item 9: g's BN running statistics in the reference's order.

The reference computes the attention logits (g once per position) inside
its backbone loop and the global embedding g(GAP) after it
(docs/reference/gaelle.md, "Semantic attention"), so g's running
statistics get the P per-position updates first, then the global one.
"""
import copy

import torch
import torch.nn.functional as F

import mmmlc  # noqa: F401
from mmmlc.models.necks import GAELLENeck

D64 = torch.float64


def _scalar_neck():
    """C = hidden = D = 1, G = 1, g's first Linear the identity."""
    neck = GAELLENeck(
        in_channels=1,
        hid_channels=1,
        out_channels=1,
        local_out_channels=1,
        nmb_groups_heads=1).double().train()
    with torch.no_grad():
        neck.projection_head[0].weight.fill_(1.0)
        neck.projection_head[0].bias.zero_()
    return neck


def _maps(view0, view1):
    """b = 1, two 224-views, one channel, P = 2 positions: (2, 1, 1, 2)."""
    return [torch.tensor([[[view0]], [[view1]]], dtype=D64)]


def test_running_stats_after_two_steps_reference_order():
    neck = _scalar_neck()
    bn = neck.projection_head[1]  # momentum 0.1, mean 0, var 1
    # Step 1, positions p0 = {1, 5}, p1 = {3, 11}, global GAP = {2, 8}:
    # means 3, 7, 5; unbiased variances 8, 32, 18.
    neck(_maps([1., 3.], [5., 11.]), batch_size=1)
    # mean: p0 0.9*0 + 0.3 = 0.3; p1 0.27 + 0.7 = 0.97;
    #       global 0.873 + 0.5 = 1.373
    # var:  p0 0.9*1 + 0.8 = 1.7; p1 1.53 + 3.2 = 4.73;
    #       global 4.257 + 1.8 = 6.057
    torch.testing.assert_close(
        bn.running_mean, torch.tensor([1.373], dtype=D64), rtol=0,
        atol=1e-12)
    torch.testing.assert_close(
        bn.running_var, torch.tensor([6.057], dtype=D64), rtol=0,
        atol=1e-12)
    # Step 2, p0 = {0, 2}, p1 = {2, 6}, global = {1, 4}: means 1, 4, 2.5;
    # variances 2, 8, 4.5.
    neck(_maps([0., 2.], [2., 6.]), batch_size=1)
    # mean: 1.2357 + 0.1 = 1.3357; 1.20213 + 0.4 = 1.60213;
    #       1.441917 + 0.25 = 1.691917
    # var:  5.4513 + 0.2 = 5.6513; 5.08617 + 0.8 = 5.88617;
    #       5.297553 + 0.45 = 5.747553
    torch.testing.assert_close(
        bn.running_mean, torch.tensor([1.691917], dtype=D64), rtol=0,
        atol=1e-12)
    torch.testing.assert_close(
        bn.running_var, torch.tensor([5.747553], dtype=D64), rtol=0,
        atol=1e-12)
    assert int(bn.num_batches_tracked) == 6  # (P + 1) per step


def _old_order(neck, feats):
    """Global embedding first, then the attention (mmmlc before issue 19)."""
    pooled = torch.cat([f.mean(dim=(2, 3)) for f in feats])
    z = F.normalize(
        neck._project(neck.projection_head, pooled[:, None])[:, 0], dim=1)
    slots, _ = neck.attention_pool(feats[0])
    local = neck._project(neck.local_projection_head,
                          slots.reshape(-1, 1, slots.shape[-1]))[:, 0]
    return z, F.normalize(local, dim=1)


def test_order_changes_running_stats_not_outputs():
    torch.manual_seed(0)
    neck = GAELLENeck(
        in_channels=8,
        hid_channels=6,
        out_channels=4,
        local_out_channels=3,
        nmb_groups_heads=2).double().train()
    old = copy.deepcopy(neck)
    feats = [
        torch.randn(4, 8, 3, 3, dtype=D64),
        torch.randn(6, 8, 2, 2, dtype=D64)
    ]
    z, z_local = neck(feats, batch_size=2)
    z_old, z_local_old = _old_order(old, feats)
    torch.testing.assert_close(z, z_old, rtol=0, atol=1e-12)
    torch.testing.assert_close(z_local, z_local_old, rtol=0, atol=1e-12)
    bn, bn_old = neck.projection_head[1], old.projection_head[1]
    assert (bn.running_mean - bn_old.running_mean).abs().max() > 1e-3
    # h is updated once, after g, in both orders.
    torch.testing.assert_close(neck.local_projection_head[1].running_var,
                               old.local_projection_head[1].running_var)

    # The scalar example in the old order: 1.375, not the reference 1.373.
    scalar = _scalar_neck()
    _old_order(scalar, _maps([1., 3.], [5., 11.]))
    torch.testing.assert_close(
        scalar.projection_head[1].running_mean,
        torch.tensor([1.375], dtype=D64), rtol=0, atol=1e-12)

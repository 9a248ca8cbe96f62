"""Swapped-prediction functions on the reference's toy vectors (fp64).

docs/reference/gaelle.md, "Fidelity vectors" 2, 5 and 6.
"""
import itertools

import torch
import torch.nn.functional as F

import mmmlc  # noqa: F401
from mmmlc.models.losses import (global_swapped_prediction_loss,
                                 local_swapped_prediction_loss,
                                 local_to_global_prediction_loss)
from mmmlc.models.utils import sinkhorn_knopp

D64 = torch.float64


def _ce(code, score, tau=0.1):
    """CE(q, s) written out, as the reference computes it."""
    return -(code * F.log_softmax(score / tau, dim=-1)).sum(-1).mean()


def test_global_loss_toy():
    # bs 2, crops [2, 1], K 3, tau 0.1, no queue.
    scores = torch.tensor(
        [[[.9, .1, -.2], [-.3, .2, .6]], [[.8, .3, 0], [.1, .7, .2]],
         [[.5, .5, -.5], [0, .1, .9]]],
        dtype=D64)
    codes = sinkhorn_knopp(scores[:2])
    torch.testing.assert_close(
        codes[0].round(decimals=6),
        torch.tensor([[.794742, .205258, 0], [0, .425858, .574142]],
                     dtype=D64))
    loss = global_swapped_prediction_loss(scores, codes, [0, 1], 0.1)
    assert round(loss.item(), 6) == 2.022250


def test_global_loss_equals_written_out_sum():
    gen = torch.Generator().manual_seed(0)
    scores = torch.rand(5, 3, 7, generator=gen, dtype=D64) * 2 - 1
    assign = [1, 3]
    codes = sinkhorn_knopp(torch.stack([scores[c] for c in assign]))
    expected = sum(
        sum(_ce(codes[i], scores[v]) for v in range(5) if v != crop) / 4
        for i, crop in enumerate(assign)) / 2
    torch.testing.assert_close(
        global_swapped_prediction_loss(scores, codes, assign, 0.1), expected)


def test_local_loss_toy():
    # b 1, M 2, K 3, perm [1, 0]: one direction.
    assign = torch.tensor([[.9, .1, -.2], [-.3, .2, .6]], dtype=D64)
    predict = torch.tensor([[.8, .3, 0], [.1, .7, .2]], dtype=D64)
    code = sinkhorn_knopp(assign)
    one_direction = _ce(code, predict[[1, 0]])
    assert round(one_direction.item(), 6) == 5.753550
    # The two-direction function with the same permutation both ways.
    scores = torch.stack([assign, predict]).view(2, 1, 2, 3)
    codes = sinkhorn_knopp(scores.view(2, 2, 3)).view(2, 1, 2, 3)
    perms = torch.tensor([[1, 0], [1, 0]])
    other = _ce(codes[1, 0], assign[[1, 0]])
    torch.testing.assert_close(
        local_swapped_prediction_loss(scores, codes, perms, 0.1),
        (one_direction + other) / 2)


def test_local_loss_shuffles_slots_per_direction():
    gen = torch.Generator().manual_seed(2)
    scores = torch.rand(2, 3, 4, 5, generator=gen, dtype=D64)
    codes = sinkhorn_knopp(scores.flatten(1, 2)).view_as(scores)
    perms = torch.stack([torch.tensor([2, 0, 3, 1]),
                         torch.tensor([1, 3, 0, 2])])
    expected = sum(
        _ce(codes[a].reshape(-1, 5), scores[1 - a][:, perms[a]].reshape(
            -1, 5)) for a in range(2)) / 2
    torch.testing.assert_close(
        local_swapped_prediction_loss(scores, codes, perms, 0.1), expected)
    identity = torch.arange(4).expand(2, 4)
    torch.testing.assert_close(
        local_swapped_prediction_loss(scores, codes, None, 0.1),
        local_swapped_prediction_loss(scores, codes, identity, 0.1))
    assert not torch.allclose(
        local_swapped_prediction_loss(scores, codes, None, 0.1), expected)


def test_local_to_global_toy():
    slots = torch.tensor([[1., 0], [0, 1]], dtype=D64)  # z^l, M = 2
    pooled = F.normalize(slots.mean(0), dim=0)
    torch.testing.assert_close(
        pooled, torch.tensor([.707107, .707107], dtype=D64), atol=1e-6,
        rtol=0)
    prototypes = torch.tensor([[1, 0], [0, 1], [-.707107, -.707107]],
                              dtype=D64)
    logits = prototypes @ pooled
    torch.testing.assert_close(
        logits / 0.1, torch.tensor([7.071068, 7.071068, -10], dtype=D64),
        atol=1e-5, rtol=0)
    codes = torch.tensor([[[.7, .2, .1]], [[.1, .8, .1]]], dtype=D64)
    loss = local_to_global_prediction_loss(logits.view(1, 1, 3), codes, 0.1)
    assert round(loss.item(), 6) == 2.400254


def test_local_to_global_every_view_predicts_every_code():
    gen = torch.Generator().manual_seed(3)
    pooled_scores = torch.rand(2, 3, 6, generator=gen, dtype=D64)
    codes = torch.softmax(torch.rand(2, 3, 6, generator=gen, dtype=D64), -1)
    expected = sum(
        _ce(codes[a], pooled_scores[v])
        for a, v in itertools.product(range(2), range(2))) / 4
    torch.testing.assert_close(
        local_to_global_prediction_loss(pooled_scores, codes, 0.1), expected)

"""sinkhorn_knopp on the reference's vectors, fp64.

docs/reference/gaelle.md, "Fidelity vectors" 1.
"""
import pytest
import torch
from mmpretrain.models.losses.swav_loss import distributed_sinkhorn

import mmmlc  # noqa: F401
from mmmlc.models.utils import sinkhorn_knopp

SCORES = torch.tensor(
    [[.9, .1, -.2], [.8, .3, 0], [.1, .7, .2], [-.3, .2, .6]],
    dtype=torch.float64)


def test_toy_codes_and_column_sums():
    codes = sinkhorn_knopp(SCORES, num_iters=3, epsilon=0.05)
    expected = torch.tensor(
        [[.999972, .000028, .000001], [.988804, .010993, .000203],
         [0, .999662, .000338], [0, .000045, .999955]],
        dtype=torch.float64)
    assert torch.equal(codes.round(decimals=6), expected)
    torch.testing.assert_close(
        codes.sum(dim=1), torch.ones(4, dtype=torch.float64),
        rtol=0, atol=1e-14)
    # Not equipartitioned after 3 iterations (ideal 4/3 each).
    torch.testing.assert_close(
        codes.sum(dim=0),
        torch.tensor([1.988776, 1.010728, 1.000496], dtype=torch.float64),
        rtol=0, atol=1e-6)
    converged = sinkhorn_knopp(SCORES, num_iters=100).sum(dim=0)
    torch.testing.assert_close(
        converged, torch.full((3, ), 4 / 3, dtype=torch.float64),
        rtol=0, atol=1e-6)


def test_zero_scores_give_uniform_codes():
    codes = sinkhorn_knopp(torch.zeros(5, 7, dtype=torch.float64))
    assert torch.allclose(codes, torch.full((5, 7), 1 / 7,
                                            dtype=torch.float64))


def test_equals_the_reference_algorithm_with_one_process():
    # mmpretrain's copy of SwAV's distributed_sinkhorn is right for W = 1
    # (its DDP fault is shown by the 2-process test); ours leaves out the
    # scale-only divisions, so only rounding may differ.
    gen = torch.Generator().manual_seed(0)
    scores = torch.rand(16, 10, generator=gen, dtype=torch.float64) * 2 - 1
    reference = distributed_sinkhorn(scores.clone(), 3, 1, 0.05)
    torch.testing.assert_close(sinkhorn_knopp(scores), reference,
                               rtol=1e-12, atol=1e-15)


def test_leading_dimensions_are_independent_problems():
    gen = torch.Generator().manual_seed(1)
    scores = torch.rand(2, 3, 6, 5, generator=gen, dtype=torch.float64)
    batched = sinkhorn_knopp(scores)
    for i in range(2):
        for j in range(3):
            torch.testing.assert_close(batched[i, j],
                                       sinkhorn_knopp(scores[i, j]))


def test_low_precision_scores_are_computed_in_float32():
    scores = SCORES.to(torch.bfloat16)
    codes = sinkhorn_knopp(scores)
    assert codes.dtype == torch.float32
    torch.testing.assert_close(
        codes, sinkhorn_knopp(scores.float()), rtol=0, atol=0)


@pytest.mark.parametrize('kwargs', [dict(num_iters=0), dict(epsilon=0.0)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError, match='sinkhorn_knopp'):
        sinkhorn_knopp(SCORES, **kwargs)

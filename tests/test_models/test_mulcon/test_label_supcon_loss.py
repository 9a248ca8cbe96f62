"""MulCon's label-level contrastive loss against its defining values.

Values: docs/reference/mulcon.md (Fidelity vectors), computed from the
formula of Dao et al., Neurocomputing 2023, Sec. 3.3.
"""
import math

import pytest
import torch
import torch.nn.functional as F

import mmmlc  # noqa: F401
from mmmlc.models.losses import (LabelSupConLoss, hard_negative_mask,
                                 supcon_loss)
from mmmlc.registry import MODELS


def _classes(*values):
    return torch.tensor(values)


def test_identical_vectors_give_ln3():
    z = F.normalize(torch.ones(4, 3), dim=1)
    loss = supcon_loss(z, _classes(0, 0, 1, 1))
    assert loss.item() == pytest.approx(math.log(3), abs=1e-6)
    assert loss.item() == pytest.approx(1.098612, abs=1e-6)


def test_orthogonal_classes():
    eye = torch.eye(3, dtype=torch.float64)  # float32 rounds 5 - 4.99
    z = eye[[0, 0, 1, 1]]
    loss = supcon_loss(z, _classes(0, 0, 1, 1))
    assert loss.item() == pytest.approx(math.log(math.exp(5) + 2) - 5,
                                        abs=1e-6)
    assert loss.item() == pytest.approx(0.0133859, abs=1e-7)
    z = eye[[0, 0, 1, 1, 2, 2]]
    loss = supcon_loss(z, _classes(0, 0, 1, 1, 2, 2))
    assert loss.item() == pytest.approx(0.0265950, abs=1e-7)


def test_singleton_anchor_counts():
    z = torch.tensor([[1., 0.], [1., 0.], [0., 1.]], dtype=torch.float64)
    loss = supcon_loss(z, _classes(0, 0, 1))
    assert loss.item() == pytest.approx(0.0044769, abs=1e-7)


def _per_anchor_reference(z, classes, present, tau=0.2):
    """The formula written entry by entry (slow, for the test only)."""
    idx = [i for i in range(len(z)) if present[i]]
    total = 0.0
    for i in idx:
        others = [a for a in idx if a != i]
        pos = [p for p in others if classes[p] == classes[i]]
        if not pos:
            continue
        log_norm = torch.logsumexp(
            torch.stack([z[i] @ z[a] / tau for a in others]), 0)
        total += -sum(z[i] @ z[p] / tau - log_norm for p in pos) / len(pos)
    return total / max(len(idx), 1)


def test_masked_dense_equals_entry_by_entry():
    gen = torch.Generator().manual_seed(0)
    z = F.normalize(torch.randn(12, 5, generator=gen), dim=1)
    classes = torch.randint(0, 4, (12, ), generator=gen)
    present = torch.rand(12, generator=gen) < 0.6
    present[:2] = True
    torch.testing.assert_close(
        supcon_loss(z, classes, present),
        torch.as_tensor(_per_anchor_reference(z, classes, present)))


def test_nothing_present_is_zero_with_finite_gradient():
    z = F.normalize(torch.randn(6, 4), dim=1).requires_grad_()
    loss = supcon_loss(z, torch.arange(6), torch.zeros(6, dtype=torch.bool))
    loss.backward()
    assert loss.item() == 0
    assert torch.isfinite(z.grad).all()
    # One present entry: empty contrast set, still finite.
    z.grad = None
    present = torch.tensor([True] + [False] * 5)
    supcon_loss(z, torch.arange(6), present).backward()
    assert torch.isfinite(z.grad).all()


def test_hard_negatives_top_up_the_denominator():
    scores = torch.tensor([5., 1., 3., 2., 4., 0.])
    present = torch.tensor([True, False, False, True, False, False])
    mask = hard_negative_mask(scores, present, 5)
    # Two present -> three absent ones with the highest scores: 4., 3., 1.
    assert mask.tolist() == [False, True, True, False, True, False]
    assert not hard_negative_mask(scores, present, 2).any()
    z = torch.eye(6)[[0, 0, 1, 1, 2, 2]]
    classes = torch.tensor([0, 0, 1, 1, 2, 2])
    present = torch.tensor([True, True, True, True, False, False])
    extra = torch.tensor([False] * 4 + [True, True])
    with_extra = supcon_loss(z, classes, present, extra_negatives=extra)
    # Anchors of classes 0 and 1: 1 positive among 5 contrast entries.
    assert with_extra.item() == pytest.approx(
        math.log(math.exp(5) + 4) - 5, abs=1e-6)


def test_registered_loss_on_views():
    loss_fn = MODELS.build(dict(type='LabelSupConLoss'))
    assert isinstance(loss_fn, LabelSupConLoss)
    gen = torch.Generator().manual_seed(1)
    z = F.normalize(torch.randn(4, 3, 8, generator=gen), dim=-1)
    targets = (torch.rand(4, 3, generator=gen) < 0.5).float()
    targets[0, 0] = targets[2, 0] = 1
    flat_classes = torch.arange(3).repeat(4)
    expected = 0.5 * supcon_loss(z.reshape(12, 8), flat_classes,
                                 targets.reshape(-1) > 0)
    torch.testing.assert_close(loss_fn(z, targets), expected)
    hard = LabelSupConLoss(denominator_size=12)
    assert hard(z, targets, torch.randn(4, 3)).item() != pytest.approx(
        expected.item())
    with pytest.raises(ValueError, match='logits'):
        hard(z, targets)

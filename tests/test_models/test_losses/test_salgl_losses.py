"""SALGL's losses against docs/reference/salgl.md, "Fidelity vectors"."""
import math

import pytest
import torch

import mmmlc  # noqa: F401
from mmmlc.models.losses import (SceneBalanceLoss, SceneEntropyLoss,
                                 batch_scene_balance, sample_scene_entropy,
                                 scaled_asymmetric_loss)
from mmmlc.registry import MODELS


def _f64(values):
    return torch.tensor(values, dtype=torch.float64)


@pytest.mark.parametrize('logits,targets,clip,expected', [
    ([[0., 0.]], [[1., 0.]], 0.0, 433.2170),
    ([[2., -1.]], [[1., 0.]], 0.0, 74.7930),
    ([[2., -1., .5], [-3., 4., 0.]], [[1., 0., 0.], [0., 1., 1.]], 0.0,
     206.4007),
    ([[2., -1.]], [[1., 0.]], 0.05, 69.3865),
])
def test_asl_reference_values(logits, targets, clip, expected):
    loss = scaled_asymmetric_loss(_f64(logits), _f64(targets), clip=clip)
    assert loss.dtype == torch.float64
    assert abs(loss.item() - expected) < 1e-4


def test_asl_at_init_on_coco_like_batch():
    # logits 0, 3 positives of 80: (1000/80)(3 ln 2 + 77 ln 2 / 4).
    targets = torch.zeros(4, 80, dtype=torch.float64)
    targets[:, :3] = 1
    loss = scaled_asymmetric_loss(torch.zeros_like(targets), targets)
    expected = 1000 / 80 * (3 + 77 / 4) * math.log(2)
    assert abs(loss.item() - expected) < 1e-9


def test_asl_focusing_weight_is_detached():
    # One negative: L = -s p^2 log(1 - p) with p^2 held constant, so
    # dL/dx = s p^2 * p = s p^3 (a weight with gradient adds another term).
    logits = _f64([[0.7]]).requires_grad_(True)
    scaled_asymmetric_loss(logits, _f64([[0.]])).backward()
    p = torch.sigmoid(_f64(0.7)).item()
    assert abs(logits.grad.item() - 1000 * p**3) < 1e-9


def test_asl_registered_with_weight():
    loss = MODELS.build(dict(type='ScaledAsymmetricLoss', loss_weight=2.0))
    value = loss(_f64([[2., -1.]]), _f64([[1., 0.]]))
    assert abs(value.item() - 2 * 74.7930) < 2e-4


def test_asl_runs_in_float32_for_half_inputs():
    logits = torch.tensor([[2., -1.]], dtype=torch.bfloat16)
    loss = scaled_asymmetric_loss(logits, torch.tensor([[1., 0.]]))
    assert loss.dtype == torch.float32
    assert abs(loss.item() - 74.7930) < 1e-3


UNIFORM = torch.full((3, 4), .25)
DISTINCT = torch.eye(4)
SAME = torch.tensor([[1., 0, 0, 0]] * 4)
MIXED = torch.tensor([[.7, .1, .1, .1], [.1, .7, .1, .1]])


@pytest.mark.parametrize('probs,sample,batch', [
    (UNIFORM, 1.38629, 0.0),
    (DISTINCT, 0.0, 0.0),
    (SAME, 0.0, 138.6294),
    (MIXED, 0.940448, 19.27448),
])
def test_scene_entropy_terms(probs, sample, batch):
    assert abs(sample_scene_entropy(probs).item() - sample) < 1e-4
    assert abs(batch_scene_balance(probs).item() - batch) < 1e-4


def test_scene_losses_registered_with_weights():
    entropy = MODELS.build(dict(type='SceneEntropyLoss', loss_weight=.5))
    balance = MODELS.build(
        dict(type='SceneBalanceLoss', loss_weight=2.0, scale=10.0))
    assert isinstance(entropy, SceneEntropyLoss)
    assert isinstance(balance, SceneBalanceLoss)
    assert abs(entropy(MIXED).item() - .5 * 0.940448) < 1e-5
    assert abs(balance(MIXED).item() - 2 * 1.927448) < 1e-5


def test_balance_uses_the_mean_over_the_batch():
    # Two confident images in different scenes: balanced on average.
    probs = torch.tensor([[1., 0.], [0., 1.]])
    assert abs(batch_scene_balance(probs).item()) < 1e-4
    assert abs(batch_scene_balance(probs[:1]).item() -
               100 * math.log(2)) < 1e-3

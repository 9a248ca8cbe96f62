"""MulConHead: sizes, projector, the two loss terms."""
import pytest
import torch
import torch.nn.functional as F

from mulcon_fixtures import samples, targets
from mmmlc.models.heads import MulConHead
from mmmlc.models.losses import supcon_loss


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_coco_sizes_and_initialisation():
    torch.manual_seed(0)
    head = MulConHead(80, 1024, proj_channels=(1024, 128))
    assert head.weight.numel() + head.bias.numel() == 82_000
    assert _count(head.projector) == 1_180_800
    for tensor in (head.weight, head.projector[0].weight,
                   head.projector[2].weight):
        assert tensor.std().item() == pytest.approx(0.02, rel=0.03)
    for bias in (head.bias, head.projector[0].bias, head.projector[2].bias):
        assert torch.count_nonzero(bias) == 0
    z = head.project((torch.randn(2, 80, 1024), ))
    assert z.reshape(-1, 128).shape == (160, 128)
    torch.testing.assert_close(z.norm(dim=-1), torch.ones(2, 80))


def test_stage_one_head_has_no_projector():
    head = MulConHead(5, 8)
    assert head.projector is None
    losses = head.loss(torch.randn(3, 5, 8), samples(3))
    assert set(losses) == {'loss_cls'}
    with pytest.raises(RuntimeError, match='proj_channels'):
        head.project(torch.randn(3, 5, 8))
    with pytest.raises(ValueError, match='proj_channels'):
        MulConHead(5, 8, contrastive_loss=dict(type='LabelSupConLoss'))


def test_losses_are_mean_bce_and_weighted_supcon():
    torch.manual_seed(0)
    head = MulConHead(
        5, 8, proj_channels=(8, 4),
        contrastive_loss=dict(type='LabelSupConLoss', loss_weight=0.5))
    feats = torch.randn(6, 5, 8)
    losses = head.loss((feats, ), samples(6))
    logits = torch.einsum('bcd,cd->bc', feats, head.weight) + head.bias
    y = targets(6)
    torch.testing.assert_close(losses['loss_cls'],
                               F.binary_cross_entropy_with_logits(logits, y))
    z = head.project(feats).reshape(30, 4)
    expected = 0.5 * supcon_loss(z, torch.arange(5).repeat(6),
                                 y.reshape(-1) > 0)
    torch.testing.assert_close(losses['loss_con'], expected)
    # One batched classifier: logits equal 5 separate Linear(8, 1).
    for c in range(5):
        torch.testing.assert_close(
            head(feats)[:, c],
            F.linear(feats[:, c], head.weight[c:c + 1],
                     head.bias[c:c + 1])[:, 0])

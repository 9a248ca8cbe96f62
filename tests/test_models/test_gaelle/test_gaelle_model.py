"""GAELLE model: gradient paths, SwAV mode, checks, sync-free step.

Gradient paths: docs/reference/gaelle.md, "Fidelity vectors" 8.
"""
import math

import pytest
import torch
from mmengine.optim import build_optim_wrapper

from gaelle_fixtures import build_model, crops, data_batch, model_cfg, sgd
from mmmlc.registry import MODELS
from mmmlc.testing import HostTransferGuard

PROTOTYPES = ('head.prototypes.weight', 'head.local_prototypes.weight',
              'head.l2g_prototypes.weight')


def _nonzero_grads(model):
    return {
        name
        for name, p in model.named_parameters()
        if p.grad is not None and p.grad.abs().sum() > 0
    }


def test_loss_terms_at_initialisation():
    model = build_model()
    losses = model.loss(crops(4), None)
    assert set(losses) == {'loss', 'glb', 'alg', 'l2g'}
    torch.testing.assert_close(
        losses['loss'], (losses['glb'] + losses['alg'] + losses['l2g']) / 3)


def test_prototype_grads_none_while_frozen():
    model = build_model()
    model.set_prototypes_frozen(True)
    model.loss(crops(4), None)['loss'].backward()
    grads = dict(model.named_parameters())
    for name in PROTOTYPES:
        assert grads[name].grad is None, name
    assert grads['backbone.conv1.weight'].grad.abs().sum() > 0


def test_detached_l2g_reaches_only_its_prototypes():
    model = build_model(global_weight=0.0, local_weight=0.0, l2g_weight=1.0)
    model.loss(crops(4), None)['loss'].backward()
    assert _nonzero_grads(model) == {'head.l2g_prototypes.weight'}
    # The paper's variant trains the local path with it.
    model = build_model(global_weight=0.0, local_weight=0.0, l2g_weight=1.0,
                        l2g_detach=False)
    model.loss(crops(4), None)['loss'].backward()
    reached = _nonzero_grads(model)
    assert 'neck.local_projection_head.0.weight' in reached
    assert 'neck.projection_head.0.weight' in reached  # via the attention
    assert 'backbone.conv1.weight' in reached


def test_local_loss_reaches_the_projection_head_through_attention():
    model = build_model(global_weight=0.0, local_weight=1.0, l2g_weight=0.0)
    model.loss(crops(4), None)['loss'].backward()
    reached = _nonzero_grads(model)
    # With the global term off, g is used only for the attention logits.
    for name in ('neck.projection_head.0.weight',
                 'neck.projection_head.3.weight',
                 'neck.local_projection_head.3.weight',
                 'head.local_prototypes.weight', 'backbone.conv1.weight'):
        assert name in reached, name
    assert 'head.prototypes.weight' not in reached


def test_plain_swav_mode():
    model = build_model(local=False)
    names = set(dict(model.named_parameters()))
    assert not any('local' in n or 'l2g' in n for n in names)
    losses = model.loss(crops(4), None)
    assert set(losses) == {'loss', 'glb'}
    torch.testing.assert_close(losses['loss'], losses['glb'])


def test_configuration_mismatches_are_refused():
    cfg = model_cfg()
    cfg['neck']['with_local'] = False
    with pytest.raises(ValueError, match='with_local=False'):
        MODELS.build(cfg)
    cfg = model_cfg()
    cfg['head']['feat_dim'] = 8
    with pytest.raises(ValueError, match='feat_dim=8'):
        MODELS.build(cfg)


def test_crop_numbers_must_match_the_head():
    model = build_model()
    views = crops(2)
    with pytest.raises(ValueError, match=r'groups \[2, 2\].*num_crops'):
        model.loss(views[:4], None)
    with pytest.raises(ValueError, match=r'groups \[1, 4\]'):
        model.loss([views[0], views[2]] + views[2:], None)


def test_loss_decreases_on_a_fixed_batch():
    model = build_model()
    optim = sgd(model, lr=0.5)
    data = data_batch(4)
    losses = []
    for _ in range(5):
        torch.manual_seed(0)  # same slot shuffle every step
        losses.append(model.train_step(data, optim)['loss'].item())
    assert all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0] - 0.5, losses


def test_bf16_autocast_step():
    model = build_model()
    model.start_queue(8)
    optim = build_optim_wrapper(
        model, dict(type='BF16OptimWrapper',
                    optimizer=dict(type='SGD', lr=0.1)))
    for seed in range(3):
        log = model.train_step(data_batch(4, seed=seed), optim)
        assert torch.isfinite(log['loss'])
    assert model.head.queue.dtype == torch.float32
    torch.testing.assert_close(model.head.queue.norm(dim=-1),
                               torch.ones(2, 8), atol=1e-5, rtol=0)


def test_train_step_has_no_host_sync():
    model = build_model().to('meta')
    model.start_queue(8)
    optim = sgd(model)
    # Frozen then free, queue filling then used: every branch of the step.
    for step in range(4):
        model.set_prototypes_frozen(step < 2)
        data = data_batch(4, seed=step, device='meta')
        guard = HostTransferGuard()
        with guard:
            log = model.train_step(data, optim)
        assert guard.transfers == [], step
        assert log['loss'].device.type == 'meta'
    assert model.head._use_queue


def test_guard_detects_host_transfers():
    guard = HostTransferGuard()
    scores = torch.zeros(5, 3, device='meta')
    with guard:
        scores.index_select(0, torch.tensor([0, 1]))  # a host-made index
    assert guard.transfers == ['aten.index_select.default']

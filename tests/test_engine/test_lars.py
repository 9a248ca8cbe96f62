"""LARSForeach: apex LARC(clip=False) + SGD, checked by hand, no host sync."""
import math

import pytest
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401
from mmmlc.engine.optimizers import LARSForeach, lars_trust_ratios
from mmmlc.testing import HostTransferGuard


def _apex_larc_sgd_step(params, lr, momentum, wd, eta, eps, bufs):
    """Reference: apex LARC(clip=False) then torch SGD, one tensor at a time
    with Python tests on the norms (what SwAV/GAELLE run)."""
    with torch.no_grad():
        for i, p in enumerate(params):
            if p.grad is None:
                continue
            g = p.grad.clone()
            w_norm, g_norm = float(p.norm()), float(g.norm())
            if w_norm != 0 and g_norm != 0:
                ratio = eta * w_norm / (g_norm + w_norm * wd + eps)
                g = (g + wd * p) * ratio
            if momentum:
                bufs[i] = g.clone() if bufs[i] is None else (
                    bufs[i] * momentum + g)
                g = bufs[i]
            p.sub_(lr * g)


def test_hand_computed_two_steps():
    w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))  # ||w|| = 5
    opt = LARSForeach([w], lr=2.0, momentum=0.9, weight_decay=0.01,
                      eta=0.001, eps=0.0)
    w.grad = torch.tensor([0.6, 0.8])  # ||g|| = 1
    opt.step()
    r1 = 0.001 * 5 / (1 + 0.01 * 5)  # 0.0047619...
    d1 = [(0.6 + 0.03) * r1, (0.8 + 0.04) * r1]
    expected = [3 - 2 * d1[0], 4 - 2 * d1[1]]
    torch.testing.assert_close(
        w.detach(), torch.tensor(expected), rtol=0, atol=1e-7)

    # Second step with lr 1: lr multiplies the buffer from outside, so the
    # first step's direction is not re-weighted by its old lr (as apex + SGD;
    # mmpretrain's LARS would give w - (0.9 * 2 * d1 + 1 * d2)).
    for group in opt.param_groups:
        group['lr'] = 1.0
    w1 = w.detach().clone()
    w.grad = torch.tensor([0.0, 2.0])
    opt.step()
    w_norm = math.hypot(*w1.tolist())
    r2 = 0.001 * w_norm / (2 + 0.01 * w_norm)
    d2 = [(0.0 + 0.01 * w1[0].item()) * r2, (2.0 + 0.01 * w1[1].item()) * r2]
    buf = [0.9 * d1[0] + d2[0], 0.9 * d1[1] + d2[1]]
    expected = [w1[0].item() - buf[0], w1[1].item() - buf[1]]
    torch.testing.assert_close(
        w.detach(), torch.tensor(expected), rtol=0, atol=1e-7)


def test_zero_norm_falls_back_to_plain_sgd_without_decay():
    zero_w = torch.nn.Parameter(torch.zeros(2))
    zero_g = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    frozen = torch.nn.Parameter(torch.tensor([5.0]))
    opt = LARSForeach([zero_w, zero_g, frozen], lr=0.5, momentum=0.9,
                      weight_decay=0.1)
    zero_w.grad = torch.tensor([1.0, 2.0])
    zero_g.grad = torch.zeros(2)
    frozen.grad = None  # e.g. prototypes during the freeze period
    opt.step()
    # Raw gradient, no trust ratio, no weight decay.
    assert zero_w.detach().tolist() == [-0.5, -1.0]
    assert zero_g.detach().tolist() == [1.0, -2.0]
    assert frozen.detach().tolist() == [5.0]
    assert frozen not in opt.state


def test_trust_ratios_function():
    grad_scale, weight_scale = lars_trust_ratios(
        [torch.tensor([3.0, 4.0]), torch.zeros(3)],
        [torch.tensor([0.0, 2.0]), torch.ones(3)],
        weight_decay=0.5, eta=0.1, eps=0.0)
    assert grad_scale[0].item() == pytest.approx(0.1 * 5 / (2 + 2.5))
    assert weight_scale[0].item() == pytest.approx(0.5 * 0.1 * 5 / 4.5)
    assert (grad_scale[1].item(), weight_scale[1].item()) == (1.0, 0.0)


def test_matches_apex_larc_sgd_over_steps_with_schedule():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(6, 5), torch.nn.BatchNorm1d(5), torch.nn.ReLU(),
        torch.nn.Linear(5, 3, bias=False))
    reference = [p.detach().clone().requires_grad_() for p in
                 model.parameters()]
    opt = LARSForeach(model.parameters(), lr=0.6, momentum=0.9,
                      weight_decay=1e-6, eta=1e-3)
    bufs = [None] * len(reference)
    for step in range(5):
        lr = 6e-4 + 0.5 * (0.6 - 6e-4) * (1 + math.cos(math.pi * step / 5))
        for group in opt.param_groups:
            group['lr'] = lr
        x = torch.randn(8, 6)
        for params in (list(model.parameters()), reference):
            for p in params:
                p.grad = None
        model(x).pow(2).sum().backward()
        for p, ref in zip(model.parameters(), reference):
            ref.grad = p.grad.clone()
        if step < 2:
            # The last layer frozen for two steps, as prototypes are.
            model[3].weight.grad = None
            reference[-1].grad = None
        opt.step()
        _apex_larc_sgd_step(reference, lr, 0.9, 1e-6, 1e-3, 1e-8, bufs)
        for p, ref in zip(model.parameters(), reference):
            torch.testing.assert_close(p.detach(), ref.detach(), rtol=1e-6,
                                       atol=1e-7)


def test_mixed_dtypes_are_grouped():
    a = torch.nn.Parameter(torch.tensor([1.0, 0.0], dtype=torch.float64))
    b = torch.nn.Parameter(torch.tensor([0.0, 2.0]))
    opt = LARSForeach([a, b], lr=1.0, momentum=0.0, weight_decay=0.0,
                      eta=1.0, eps=0.0)
    a.grad = torch.tensor([0.0, 3.0], dtype=torch.float64)
    b.grad = torch.tensor([4.0, 0.0])
    opt.step()
    # r = ||w|| / ||g||: the step has the length of the weight.
    assert a.dtype == torch.float64
    torch.testing.assert_close(a.detach(), torch.tensor(
        [1.0, -1.0], dtype=torch.float64))
    torch.testing.assert_close(b.detach(), torch.tensor([-2.0, 2.0]))


def test_step_reads_nothing_back_to_the_host(monkeypatch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
    opt = LARSForeach(model.parameters(), lr=0.1)
    model(torch.randn(3, 4)).sum().backward()

    def _sync(*args, **kwargs):
        raise AssertionError('host sync in LARSForeach.step')

    for name in ('item', 'tolist', '__bool__', '__float__', '__int__',
                 'cpu', 'numpy'):
        monkeypatch.setattr(torch.Tensor, name, _sync)
    opt.step()
    opt.step()
    monkeypatch.undo()
    assert all('momentum_buffer' in opt.state[p] for p in model.parameters())


def test_step_on_device_tensors_has_no_host_read_or_copy():
    """What ``torch.cuda.set_sync_debug_mode('error')`` checks on a GPU,
    on the CPU: the step runs on ``meta`` tensors, which hold no data, so a
    host read (``.item()``, ``float(t)``, ``if t:``) fails, and the guard
    lists any op that mixes a CPU tensor in (a host-to-device copy on a
    GPU). Momentum buffers exist from the first step on."""
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 32), torch.nn.BatchNorm1d(32),
        torch.nn.Linear(32, 8, bias=False)).to('meta')
    params = list(model.parameters())
    opt = LARSForeach(params, lr=0.1, momentum=0.9, weight_decay=1e-6)
    for param in params:
        param.grad = torch.empty_like(param)
    params[-1].grad = None  # a frozen tensor is skipped, as on a GPU
    opt.step()  # buffers allocated
    guard = HostTransferGuard()
    with guard:
        opt.step()
    assert guard.transfers == []
    assert all(opt.state[p]['momentum_buffer'].is_meta for p in params[:-1])
    # The guard sees a CPU tensor mixed into a device update.
    with guard, torch.no_grad():
        params[1].add_(torch.ones(32))
    assert guard.transfers == ['aten.add_.Tensor']


def test_invalid_arguments():
    p = [torch.nn.Parameter(torch.ones(1))]
    with pytest.raises(ValueError, match='weight_decay must be >= 0'):
        LARSForeach(p, lr=0.1, weight_decay=-1.0)
    with pytest.raises(ValueError, match='eta must be >= 0'):
        LARSForeach(p, lr=0.1, eta=-1.0)
    p[0].grad = torch.ones(1).to_sparse()
    with pytest.raises(RuntimeError, match='sparse'):
        LARSForeach(p, lr=0.1).step()


def test_builds_through_bf16_optim_wrapper():
    init_default_scope('mmmlc')
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    wrapper = build_optim_wrapper(
        model,
        dict(
            type='BF16OptimWrapper',
            optimizer=dict(
                type='LARSForeach', lr=0.6, momentum=0.9,
                weight_decay=1e-6, eta=1e-3)))
    assert isinstance(wrapper.optimizer, LARSForeach)
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        loss = model(torch.randn(3, 4)).float().pow(2).mean()
    wrapper.update_params(loss)
    assert not torch.equal(before, model.weight)
    # The step length is about lr * eta * ||w|| (the trust ratio).
    step = (before - model.weight.detach()).norm().item()
    assert step == pytest.approx(0.6 * 1e-3 * before.norm().item(),
                                 rel=0.05)

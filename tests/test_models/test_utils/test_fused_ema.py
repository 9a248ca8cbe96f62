"""FusedExponentialMovingAverage equals mmengine's EMA, without host syncs."""
import copy

import pytest
import torch
from mmengine.model import ExponentialMovingAverage

import mmmlc  # noqa: F401
from mmmlc.models.utils import FusedExponentialMovingAverage


def _model():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 2))


def _train_steps(model, n, seed):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(n):
        loss = model(torch.randn(5, 3, 8, 8, generator=gen)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        yield


@pytest.mark.parametrize('update_buffers', [False, True])
@pytest.mark.parametrize('interval', [1, 2])
def test_matches_mmengine_ema(update_buffers, interval):
    model = _model()
    ref = ExponentialMovingAverage(
        model, momentum=0.3, interval=interval,
        update_buffers=update_buffers)
    fused = FusedExponentialMovingAverage(
        model, momentum=0.3, interval=interval,
        update_buffers=update_buffers)
    for _ in _train_steps(model, 5, seed=1):
        ref.update_parameters(model)
        fused.update_parameters(model)
    for (key, a), (_, b) in zip(ref.state_dict().items(),
                                fused.state_dict().items()):
        torch.testing.assert_close(a, b, msg=key)
    # The average really moved away from both the start and the model.
    weight = fused.module[0].weight
    assert not torch.equal(weight, model[0].weight)


def test_no_host_sync_after_first_step(monkeypatch):
    model = _model()
    fused = FusedExponentialMovingAverage(model, momentum=0.1)
    fused.update_parameters(model)

    def refuse(*args, **kwargs):
        raise AssertionError('device-to-host read in the EMA update')

    for name in ('item', '__bool__', '__int__', '__index__', 'tolist'):
        monkeypatch.setattr(torch.Tensor, name, refuse)
    for _ in range(3):
        fused.update_parameters(model)
    monkeypatch.undo()
    assert int(fused.steps) == 4


def test_step_count_restored_from_checkpoint():
    model = _model()
    fused = FusedExponentialMovingAverage(model, momentum=0.5)
    for _ in range(3):
        fused.update_parameters(model)
    state = copy.deepcopy(fused.state_dict())
    restored = FusedExponentialMovingAverage(_model(), momentum=0.5)
    restored.load_state_dict(state)
    assert restored._host_steps == 3
    # Not the first step any more: the next update averages, not copies.
    before = restored.module[0].weight.clone()
    restored.update_parameters(model)
    expected = before.lerp(model[0].weight, 0.5)
    torch.testing.assert_close(restored.module[0].weight, expected)

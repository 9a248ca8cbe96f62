"""BF16OptimWrapper: autocast without a gradient scaler."""
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401
from mmmlc.engine import BF16OptimWrapper
from mmmlc.utils.setup_env import use_amp


def test_bf16_step_on_cpu():
    init_default_scope('mmmlc')
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    wrapper = build_optim_wrapper(
        model,
        dict(type='BF16OptimWrapper', optimizer=dict(type='SGD', lr=0.5)))
    assert isinstance(wrapper, BF16OptimWrapper)
    before = model.weight.detach().clone()
    x = torch.randn(3, 4)
    expected_grad = torch.autograd.grad(
        model(x).pow(2).mean(), model.weight)[0]
    with wrapper.optim_context(model):
        out = model(x)
    # The matmul ran in bfloat16; the parameters and grads stay float32.
    assert out.dtype == torch.bfloat16
    loss = out.float().pow(2).mean()
    wrapper.update_params(loss)
    assert model.weight.dtype == torch.float32
    # One SGD step of lr 0.5 with the bf16 gradient (close to fp32's).
    torch.testing.assert_close(
        model.weight, before - 0.5 * expected_grad, atol=2e-2, rtol=0)
    assert 'loss_scaler' not in wrapper.state_dict()
    assert not hasattr(wrapper, 'loss_scaler')


def test_use_amp_switch():
    cfg = Config(dict(optim_wrapper=dict(
        type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))))
    use_amp(cfg, 'bfloat16')
    assert cfg.optim_wrapper.type == 'BF16OptimWrapper'
    with pytest.raises(ValueError, match='AMP dtype'):
        use_amp(cfg, 'int8')
    other = Config(dict(optim_wrapper=dict(type='ZeroRedundancyOptimizer')))
    with pytest.raises(ValueError, match='set mixed precision in the config'):
        use_amp(other, 'bfloat16')
    if not torch.cuda.is_available():
        fp16 = Config(dict(optim_wrapper=dict(type='OptimWrapper')))
        with pytest.raises(RuntimeError, match='float16 AMP needs a CUDA'):
            use_amp(fp16, 'float16')

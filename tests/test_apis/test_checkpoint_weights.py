"""Raw or EMA weights: mmengine's EMAHook layout, swapped on request."""
import pytest
import torch

from mmmlc.apis import init_multilabel_model
from mmmlc.engine.hooks import CheckpointWeightsHook
from mmmlc.engine.hooks.checkpoint_weights_hook import (
    checkpoint_weights, select_checkpoint_weights)


def _ema_checkpoint():
    # As EMAHook.before_save_checkpoint leaves it: the average in
    # state_dict, the raw weights under module.* in ema_state_dict.
    return dict(state_dict={'w': torch.tensor([1.0]), 'b': torch.tensor(2.)},
                ema_state_dict={'module.w': torch.tensor([5.0]),
                                'module.b': torch.tensor(6.),
                                'steps': torch.tensor(10)})


def test_select_weights_swaps_in_place():
    ckpt = _ema_checkpoint()
    assert checkpoint_weights(ckpt) == 'ema'
    assert select_checkpoint_weights(ckpt, None) == 'ema'
    assert select_checkpoint_weights(ckpt, 'ema') == 'ema'
    assert ckpt['state_dict']['w'].item() == 1.0
    assert select_checkpoint_weights(ckpt, 'raw') == 'raw'
    assert ckpt['state_dict']['w'].item() == 5.0
    assert ckpt['state_dict']['b'].item() == 6.0
    assert 'ema_state_dict' not in ckpt
    with pytest.raises(ValueError, match='has no EMA weights'):
        select_checkpoint_weights(ckpt, 'ema')


def test_hook_swaps_before_the_model_loads():
    hook = CheckpointWeightsHook(weights='raw')
    assert hook.priority == 'VERY_HIGH'

    class Runner:
        _resume = False

    ckpt = _ema_checkpoint()
    hook.after_load_checkpoint(Runner(), ckpt)
    assert ckpt['state_dict']['w'].item() == 5.0
    Runner._resume = True  # a resumed run keeps both copies as saved
    ckpt = _ema_checkpoint()
    hook.after_load_checkpoint(Runner(), ckpt)
    assert ckpt['state_dict']['w'].item() == 1.0
    with pytest.raises(ValueError, match='weights must be one of'):
        CheckpointWeightsHook(weights='average')


def test_init_model_loads_the_chosen_weights(tmp_path, quickstart_config,
                                             build_model, write_checkpoint):
    ema = build_model(seed=0).state_dict()
    raw = build_model(seed=1).state_dict()
    path = write_checkpoint(tmp_path / 'ema.pth', ema,
                           ema_state={f'module.{k}': v
                                      for k, v in raw.items()})
    key = 'head.fc.weight'
    model = init_multilabel_model(quickstart_config, path)
    assert model.weights == 'ema'
    torch.testing.assert_close(model.state_dict()[key], ema[key])
    model = init_multilabel_model(quickstart_config, path, weights='raw')
    assert model.weights == 'raw'
    torch.testing.assert_close(model.state_dict()[key], raw[key])

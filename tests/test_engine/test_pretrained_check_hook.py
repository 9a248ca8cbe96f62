"""PretrainedCheckHook: every way a probe's backbone can fail to load."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope
from mmengine.runner import BaseLoop

import mmmlc  # noqa: F401
from mmmlc.engine import PretrainedCheckHook
from mmmlc.registry import MODELS


def _model(checkpoint, depth=18, base_channels=8, prefix='backbone.'):
    init_default_scope('mmmlc')
    return MODELS.build(
        dict(
            type='ImageClassifier',
            backbone=dict(
                type='ResNet',
                depth=depth,
                stem_channels=base_channels,
                base_channels=base_channels,
                frozen_stages=4,
                norm_eval=True,
                zero_init_residual=False,
                init_cfg=dict(
                    type='Pretrained', checkpoint=checkpoint,
                    prefix=prefix)),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='MultiLabelLinearClsHead',
                num_classes=3,
                in_channels=base_channels * 8 *
                (1 if depth < 50 else 4))))


class _Loop(BaseLoop):
    def run(self):
        pass


def _runner(model, training=True):
    # Runner.train() has built its train loop when `before_run` is called.
    loop = _Loop(None, []) if training else dict(type='EpochBasedTrainLoop')
    return SimpleNamespace(
        model=model, logger=MMLogger.get_current_instance(), epoch=0,
        _train_loop=loop)


@pytest.fixture
def checkpoint(tmp_path):
    """A pretraining-style checkpoint: backbone. plus other prefixes."""
    init_default_scope('mmmlc')
    backbone = MODELS.build(
        dict(type='ResNet', depth=18, stem_channels=8, base_channels=8))
    state = {f'backbone.{k}': v for k, v in backbone.state_dict().items()}
    state['neck.fc.weight'] = torch.zeros(2, 2)
    state['queue'] = torch.zeros(4, 8)
    path = tmp_path / 'pretrain.pth'
    torch.save(dict(state_dict=state, meta=dict(epoch=1)), path)
    return str(path)


def _loaded(checkpoint):
    """A probe whose backbone passed the hook's checks up to before_train."""
    model = _model(checkpoint)
    hook, runner = PretrainedCheckHook(), _runner(model)
    hook.before_run(runner)
    model.init_weights()
    hook.before_train(runner)
    return model, hook, runner


def test_passes_when_loaded_and_frozen(checkpoint):
    model, hook, runner = _loaded(checkpoint)
    model.train()
    with torch.no_grad():
        model.backbone(torch.randn(2, 3, 32, 32))  # BN in eval: no update
    hook.after_train_epoch(runner)


@pytest.mark.parametrize('path, error, message', [
    (None, ValueError, 'no pretrained checkpoint set'),
    ('', ValueError, 'model.backbone.init_cfg.checkpoint=PATH'),
    ('missing.pth', FileNotFoundError, 'missing.pth does not exist'),
])
def test_missing_checkpoint(path, error, message):
    with pytest.raises(error, match=message):
        PretrainedCheckHook().before_run(_runner(_model(path)))


def test_not_checked_when_not_training():
    # tools/test.py loads the probe's own checkpoint; init_cfg is unused.
    PretrainedCheckHook().before_run(_runner(_model('gone.pth'), False))


def test_no_key_with_prefix(checkpoint):
    model = _model(checkpoint, prefix='encoder_q.')
    with pytest.raises(ValueError, match=r"no key starting with 'encoder_q\."
                       r"'; its keys start with backbone\., neck\., queue"):
        PretrainedCheckHook().before_run(_runner(model))


def test_other_architecture(checkpoint):
    # A wider ResNet-18: every conv has another shape.
    with pytest.raises(ValueError, match='shape mismatches'):
        PretrainedCheckHook().before_run(
            _runner(_model(checkpoint, base_channels=16)))
    # ResNet-50: other keys.
    with pytest.raises(ValueError, match='missing keys'):
        PretrainedCheckHook().before_run(
            _runner(_model(checkpoint, depth=50)))


def test_no_pretrained_init_cfg(checkpoint):
    model = _model(checkpoint)
    model.backbone.init_cfg = [dict(type='Kaiming', layer='Conv2d')]
    with pytest.raises(ValueError, match="no init_cfg of type 'Pretrained'"):
        PretrainedCheckHook().before_run(_runner(model))


def test_detects_overwrite_after_loading(checkpoint):
    model = _model(checkpoint)
    hook, runner = PretrainedCheckHook(), _runner(model)
    hook.before_run(runner)
    model.init_weights()
    # e.g. ResNet's zero_init_residual applied after the load.
    with torch.no_grad():
        model.backbone.layer1[0].norm2.weight.zero_()
    with pytest.raises(RuntimeError, match='after weight initialisation'):
        hook.before_train(runner)


def test_detects_training_of_the_frozen_module(checkpoint):
    model, hook, runner = _loaded(checkpoint)
    # What a backbone left trainable (or BN in training mode) would do.
    with torch.no_grad():
        model.backbone.layer4[1].bn2.running_mean.add_(0.1)
    with pytest.raises(RuntimeError, match='norm_eval=True'):
        hook.after_train_epoch(runner)
    PretrainedCheckHook(check_frozen=False).after_train_epoch(runner)

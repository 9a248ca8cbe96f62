"""Compatibility fixes of ``mmmlc.utils.compat``."""
import os
import pickle
import subprocess
import sys
import textwrap

import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.logging import MessageHub
from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler

import mmmlc  # noqa: F401
from mmmlc.utils.compat import checkpoint_getattr

REPO = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def test_message_hub_checkpoint_loads_with_weights_only(tmp_path):
    hub = MessageHub('test_compat_hub')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/loss', torch.tensor(0.25).item())
    hub.update_info('epoch', 3)
    path = tmp_path / 'ckpt.pth'
    torch.save({'message_hub': hub.state_dict(), 'meta': {'epoch': 3}}, path)
    # Same call mmengine makes: PyTorch's default, weights_only=True.
    loaded = torch.load(path, weights_only=True)
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    assert buf.current() == 0.25
    assert buf.mean() == pytest.approx(0.375)


class _GetattrOnHistoryBuffer:

    def __init__(self, name, owner=HistoryBuffer):
        self.name = name
        self.owner = owner

    def __reduce__(self):
        return getattr, (self.owner, self.name)


def test_restricted_getattr_refuses_other_attributes(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _GetattrOnHistoryBuffer('__init__')}, path)
    with pytest.raises(pickle.UnpicklingError, match='Refusing getattr'):
        torch.load(path, weights_only=True)
    with pytest.raises(pickle.UnpicklingError):
        checkpoint_getattr(os, 'system')
    # The allowed names resolve to the real methods.
    path = tmp_path / 'ok.pth'
    torch.save({'x': _GetattrOnHistoryBuffer('mean')}, path)
    assert torch.load(path, weights_only=True)['x'] is HistoryBuffer.mean
    torch.save(
        {'x': _GetattrOnHistoryBuffer('__init__', OneCycleParamScheduler)},
        path)
    with pytest.raises(pickle.UnpicklingError, match='Refusing getattr'):
        torch.load(path, weights_only=True)


def test_runner_checkpoint_with_one_cycle_and_ema_loads(tmp_path):
    """A real Runner checkpoint (one-cycle lr, EMA) loads and resumes."""
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Linear(BaseModel):

        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(2, 1)

        def forward(self, inputs, labels=None, mode='loss'):
            return dict(loss=((self.fc(inputs) - labels)**2).mean())

    data = [dict(inputs=torch.randn(2), labels=torch.randn(1))
            for _ in range(8)]

    def runner(max_epochs, resume):
        return Runner(
            model=Linear(),
            work_dir=str(tmp_path),
            train_dataloader=dict(
                dataset=data,
                sampler=dict(type='DefaultSampler', shuffle=False),
                batch_size=4,
                collate_fn=dict(type='default_collate')),
            optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
            param_scheduler=dict(
                type='OneCycleLR', eta_max=0.1, by_epoch=True, begin=0,
                end=3, convert_to_iter_based=True),
            custom_hooks=[dict(type='EMAHook', momentum=0.01)],
            train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
            default_hooks=dict(checkpoint=dict(
                type='CheckpointHook', interval=1)),
            resume=resume,
            default_scope='mmengine')

    runner(2, False).train()
    state = torch.load(tmp_path / 'epoch_2.pth', weights_only=True)
    assert state['meta']['epoch'] == 2
    assert state['param_schedulers'][0]['last_step'] == 4
    resumed = runner(3, True)
    resumed.train()
    assert resumed.epoch == 3


FAKE_TRANSFORMERS_5 = {
    'transformers/__init__.py': "__version__ = '5.0.0'\n",
    # transformers 5 removed apply_chunking_to_forward: mmpretrain's BLIP
    # import of it is what fails.
    'transformers/modeling_utils.py': 'class PreTrainedModel:\n    pass\n',
    'transformers-5.0.0.dist-info/METADATA':
    'Metadata-Version: 2.1\nName: transformers\nVersion: 5.0.0\n',
    'transformers-5.0.0.dist-info/RECORD': '',
}


def _run_with_fake_transformers(tmp_path, code):
    for rel, text in FAKE_TRANSFORMERS_5.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = dict(os.environ, PYTHONPATH=f'{tmp_path}{os.pathsep}{REPO}')
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                          env=env, capture_output=True, text=True,
                          timeout=300)


def test_import_with_transformers_5(tmp_path):
    # Control: the fake package reproduces mmpretrain's failure.
    control = _run_with_fake_transformers(
        tmp_path, 'import mmpretrain.models')
    assert control.returncode != 0
    result = _run_with_fake_transformers(
        tmp_path, """
        import mmmlc
        import mmpretrain.models
        from importlib import metadata
        from mmengine.registry import init_default_scope
        from mmmlc.registry import MODELS
        assert metadata.version('transformers') == '5.0.0'
        init_default_scope('mmmlc')
        model = MODELS.build(dict(
            type='ImageClassifier',
            backbone=dict(type='ResNet', depth=18),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(type='MultiLabelLinearClsHead', num_classes=3,
                      in_channels=512)))
        print('built', type(model).__name__)
        """)
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'built ImageClassifier' in result.stdout


def test_import_without_transformers():
    code = ('import importlib.util, mmmlc, mmpretrain.models; '
            "print(importlib.util.find_spec('transformers') is None)")
    result = subprocess.run([sys.executable, '-c', code],
                            env=dict(os.environ, PYTHONPATH=REPO),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]

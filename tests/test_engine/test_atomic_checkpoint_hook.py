"""``AtomicCheckpointHook``: whole checkpoints or none, errors with sizes."""
import errno
import logging
import os

import pytest
import torch
from mmengine.fileio import get_file_backend
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import save_checkpoint

from mmmlc.engine.hooks import atomic_checkpoint_hook as module
from mmmlc.engine.hooks import AtomicCheckpointHook, AtomicLocalBackend

ATOMIC = dict(backend='atomic_local')


def test_save_replaces_the_file_and_leaves_no_temp(tmp_path):
    path = str(tmp_path / 'epoch_1.pth')
    assert isinstance(get_file_backend(path, backend_args=ATOMIC),
                      AtomicLocalBackend)
    save_checkpoint({'w': torch.arange(3)}, path, backend_args=ATOMIC)
    save_checkpoint({'w': torch.arange(5)}, path, backend_args=ATOMIC)
    assert torch.load(path)['w'].tolist() == [0, 1, 2, 3, 4]
    assert os.listdir(tmp_path) == ['epoch_1.pth']


def test_full_disk_names_path_and_bytes_and_keeps_the_old_file(
        tmp_path, monkeypatch):
    path = str(tmp_path / 'epoch_2.pth')
    AtomicLocalBackend().put(b'old checkpoint', path)

    def no_space(fd):
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(module.os, 'fsync', no_space)
    with pytest.raises(OSError) as info:
        AtomicLocalBackend().put(b'x' * 1000, path)
    assert info.value.errno == errno.ENOSPC
    assert f'could not write {path}: 1000 bytes needed, ' in str(info.value)
    assert 'No space left on device' in str(info.value)
    with open(path, 'rb') as f:
        assert f.read() == b'old checkpoint'
    assert os.listdir(tmp_path) == ['epoch_2.pth']


class _Runner:

    def __init__(self, last):
        self.epoch = 3
        self.logger = logging.getLogger('atomic-ckpt-test')
        self.message_hub = MessageHub.get_instance('atomic-ckpt-test')
        self.message_hub.update_info('last_ckpt', last)


def test_warns_before_an_epoch_when_space_is_short(tmp_path, monkeypatch,
                                                   caplog):
    last = str(tmp_path / 'epoch_3.pth')
    with open(last, 'wb') as f:
        f.write(b'\0' * 4000)
    hook = AtomicCheckpointHook(interval=1, save_best='multi-label/mAP',
                                rule='greater')
    assert hook.backend_args == ATOMIC
    runner = _Runner(last)
    monkeypatch.setattr(module, '_free_bytes', lambda folder: 10000)
    with caplog.at_level(logging.WARNING, 'atomic-ckpt-test'):
        hook.before_train_epoch(runner)
    assert not caplog.records  # 10000 free >= 2 x 4000 (epoch + best)
    monkeypatch.setattr(module, '_free_bytes', lambda folder: 7000)
    with caplog.at_level(logging.WARNING, 'atomic-ckpt-test'):
        hook.before_train_epoch(runner)
    assert (f'7000 bytes free in {tmp_path}, but the checkpoints of epoch 4 '
            f'need about 8000 bytes ({last} is 4000)') in caplog.text

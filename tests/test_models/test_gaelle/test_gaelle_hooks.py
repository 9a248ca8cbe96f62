"""FeatureQueueHook and PrototypeFreezeHook: unit and a Runner resume."""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmengine.runner import Runner
from mmpretrain.structures import DataSample
from torch.utils.data import Dataset

from gaelle_fixtures import NUM_CROPS, SIZES, build_model, model_cfg
from mmmlc.engine.hooks import FeatureQueueHook, PrototypeFreezeHook


def _runner(model, batch_size=4, epoch=0, it=0):
    return SimpleNamespace(
        model=model, epoch=epoch, iter=it,
        train_dataloader=SimpleNamespace(batch_size=batch_size))


def test_queue_hook_starts_at_its_epoch():
    model = build_model()
    hook = FeatureQueueHook(queue_length=8, epoch_queue_starts=2)
    runner = _runner(model)
    hook.before_train(runner)
    for epoch in range(2):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        assert model.head.queue.numel() == 0
    runner.epoch = 2
    hook.before_train_epoch(runner)
    assert model.head.queue.shape == (2, 8, 16)
    model.head._use_queue = True  # as after a few steps
    with torch.no_grad():
        model.head.queue.fill_(1.0)
    runner.epoch = 3
    hook.before_train_epoch(runner)  # kept, flag reset
    assert not model.head._use_queue
    assert bool((model.head.queue == 1).all())


def test_queue_hook_refuses_a_length_off_the_global_batch():
    hook = FeatureQueueHook(queue_length=3840)
    with pytest.raises(ValueError, match=r'\(100 images per GPU x 1 GPUs'):
        hook.before_train(_runner(build_model(), batch_size=100))


def test_freeze_hook_follows_the_iteration():
    model = build_model()
    hook = PrototypeFreezeHook(frozen_iters=3)
    for it, frozen in ((0, True), (2, True), (3, False), (10, False)):
        hook.before_train_iter(_runner(model, it=it), it)
        assert model.head._prototypes_frozen is frozen


def test_hooks_refuse_a_model_without_the_methods():
    runner = _runner(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match='start_queue'):
        FeatureQueueHook().before_train(runner)
    with pytest.raises(TypeError, match='set_prototypes_frozen'):
        PrototypeFreezeHook().before_train_iter(runner, 0)


class _MultiCropNoise(Dataset):
    """Fixed random multi-crop samples (the pipeline is tested elsewhere)."""

    def __init__(self, size=4):
        gen = torch.Generator().manual_seed(0)
        self.samples = []
        for _ in range(size):
            views = []
            for count, res in zip(NUM_CROPS, SIZES):
                views += [torch.rand(3, res, res, generator=gen) * 255
                          for _ in range(count)]
            self.samples.append(views)
        self.metainfo = {}

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        return dict(inputs=self.samples[index], data_samples=DataSample())


def _run(work_dir, max_epochs, resume=None):
    cfg = model_cfg(shuffle_local=False)  # no RNG: runs compare exactly
    cfg['data_preprocessor'] = dict(
        type='SelfSupDataPreprocessor', mean=[128.] * 3, std=[64.] * 3)
    runner = Runner(
        model=cfg,
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_MultiCropNoise(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='default_collate')),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9,
                           weight_decay=1e-4)),
        custom_hooks=[
            dict(type='FeatureQueueHook', queue_length=4,
                 epoch_queue_starts=1),
            dict(type='PrototypeFreezeHook', frozen_iters=5)
        ],
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmmlc',
        randomness=dict(seed=0),
        resume=resume is not None,
        load_from=resume,
        log_level='WARNING')
    runner.train()
    return runner.model


def test_resume_continues_queue_and_freeze_exactly(tmp_path):
    # 2 iterations per epoch: the queue (4 rows, 2 per step) starts at
    # epoch 1, is full after it, and is used throughout epoch 2; the
    # prototypes are frozen up to iteration 4, the resumed run's first.
    straight = _run(tmp_path / 'straight', max_epochs=3)
    assert straight.head._use_queue and straight.head.queue.abs().sum() > 0
    _run(tmp_path / 'first', max_epochs=2)
    checkpoint = str(tmp_path / 'first' / 'epoch_2.pth')
    saved = torch.load(checkpoint, weights_only=False)['state_dict']
    assert saved['head.queue'].shape == (2, 4, 16)
    resumed = _run(tmp_path / 'first', max_epochs=3, resume=checkpoint)
    straight_state = copy.deepcopy(straight.state_dict())
    for key, value in resumed.state_dict().items():
        torch.testing.assert_close(value, straight_state[key], msg=key)

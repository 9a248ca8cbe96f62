"""MoCoV2: equal to mmpretrain's MoCo, sync-free step, queue, DDP (gloo)."""
import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

from mmmlc.registry import MODELS
from mmmlc.testing import HostTransferGuard

BATCH, FEAT = 4, 16


def _model_cfg(model_type='MoCoV2', queue_len=8, momentum=0.2, **extra):
    # momentum 0.2 (not the paper's 0.001) so that a wrong update rule
    # changes the encoder by far more than rounding.
    return dict(
        type=model_type,
        queue_len=queue_len,
        feat_dim=FEAT,
        momentum=momentum,
        # A narrow ResNet-18 (64 output channels) keeps the tests fast.
        backbone=dict(
            type='ResNet', depth=18, stem_channels=8, base_channels=8,
            out_indices=(3, ), zero_init_residual=False),
        neck=dict(
            type='MoCoV2Neck',
            in_channels=64,
            hid_channels=32,
            out_channels=FEAT,
            with_avg_pool=True),
        head=dict(
            type='ContrastiveHead',
            loss=dict(type='CrossEntropyLoss'),
            temperature=0.2),
        **extra)


def _build(model_type='MoCoV2', seed=0, **kwargs):
    init_default_scope('mmmlc')
    torch.manual_seed(seed)
    model = MODELS.build(_model_cfg(model_type, **kwargs))
    model.init_weights()
    return model


def _optim(model, wrapper='OptimWrapper'):
    return build_optim_wrapper(
        model,
        dict(
            type=wrapper,
            optimizer=dict(type='SGD', lr=0.5, momentum=0.9,
                           weight_decay=1e-4)))


def _batches(num, batch=BATCH, seed=1, device='cpu'):
    gen = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(num):
        views = [torch.randn(batch, 3, 32, 32, generator=gen).to(device)
                 for _ in range(2)]
        out.append(
            dict(inputs=views,
                 data_samples=[DataSample() for _ in range(batch)]))
    return out


def _assert_same_state(model_a, model_b):
    state_a, state_b = model_a.state_dict(), model_b.state_dict()
    assert list(state_a) == list(state_b)
    for key in state_a:
        assert torch.equal(state_a[key], state_b[key]), key


def test_checkpoint_keys_match_mmpretrain():
    ours, theirs = _build('MoCoV2'), _build('MoCo')
    _assert_same_state(ours, theirs)
    keys = list(ours.state_dict())
    assert 'queue' in keys and 'queue_ptr' in keys
    assert 'encoder_k.steps' in keys
    assert any(k.startswith('encoder_k.module.0.') for k in keys)
    assert any(k.startswith('encoder_k.module.1.') for k in keys)


def test_same_loss_and_updates_as_mmpretrain(monkeypatch):
    # mmpretrain permutes the key batch even in one process; BN over the
    # whole batch is permutation-invariant, so only rounding would differ.
    from mmpretrain.models.selfsup import moco as mmpretrain_moco
    monkeypatch.setattr(mmpretrain_moco, 'batch_shuffle_ddp',
                        lambda x: (x, None))
    monkeypatch.setattr(mmpretrain_moco, 'batch_unshuffle_ddp',
                        lambda x, idx: x)
    # mmpretrain copies the query's buffers into the key encoder.
    ours, theirs = _build('MoCoV2', copy_key_buffers=True), _build('MoCo')
    optim_ours, optim_theirs = _optim(ours), _optim(theirs)
    initial_queue = ours.queue.clone()
    # 3 steps: the first copies the query encoder, the next two lerp; the
    # third wraps the queue pointer (queue 8, batch 4).
    for step, data in enumerate(_batches(3)):
        loss_ours = ours.train_step(data, optim_ours)['loss']
        loss_theirs = theirs.train_step(data, optim_theirs)['loss']
        assert torch.equal(loss_ours, loss_theirs), step
        _assert_same_state(ours, theirs)
    assert ours.queue_ptr.tolist() == [4]
    assert int(ours.encoder_k.steps) == 3
    # The momentum encoder moved, and not onto the query encoder.
    key_w = ours.encoder_k.module[0].conv1.weight
    assert not torch.equal(key_w, ours.backbone.conv1.weight)
    assert not torch.equal(ours.queue, initial_queue)


def test_momentum_update_rule():
    model = _build(momentum=0.2, copy_key_buffers=True)
    key_w = model.encoder_k.module[0].conv1.weight
    query_w = model.backbone.conv1.weight
    with torch.no_grad():
        query_w.add_(1.0)
    model.momentum_update()  # first update: copy
    assert torch.equal(key_w, query_w)
    before = key_w.clone()
    with torch.no_grad():
        query_w.add_(1.0)
    model.momentum_update()  # theta_k <- 0.8 theta_k + 0.2 theta_q
    assert torch.allclose(key_w, before + 0.2, atol=1e-6)
    # With copy_key_buffers, BN buffers are copied, not averaged.
    key_bn = model.encoder_k.module[0].bn1
    with torch.no_grad():
        model.backbone.bn1.running_mean.fill_(3.0)
    model.momentum_update()
    assert torch.equal(key_bn.running_mean,
                       torch.full_like(key_bn.running_mean, 3.0))


def test_queue_fifo_and_pointer_wrap():
    model = _build(queue_len=8)
    initial = model.queue.clone()
    keys = [torch.nn.functional.normalize(torch.randn(BATCH, FEAT), dim=1)
            for _ in range(3)]
    model._dequeue_and_enqueue(keys[0])
    assert model.queue_ptr.tolist() == [4]
    assert torch.equal(model.queue[:, :4], keys[0].t())
    assert torch.equal(model.queue[:, 4:], initial[:, 4:])
    model._dequeue_and_enqueue(keys[1])
    assert model.queue_ptr.tolist() == [0]
    assert torch.equal(model.queue[:, 4:], keys[1].t())
    model._dequeue_and_enqueue(keys[2])
    assert model.queue_ptr.tolist() == [4]
    assert torch.equal(model.queue[:, :4], keys[2].t())
    assert torch.equal(model.queue[:, 4:], keys[1].t())


def test_queue_length_must_divide_by_batch():
    model = _build(queue_len=6)
    with pytest.raises(ValueError, match='multiple of the global batch'):
        model.train_step(_batches(1)[0], _optim(model))


@pytest.mark.parametrize('momentum', [0.999, 0.0, 0.5])
def test_paper_momentum_value_is_rejected(momentum):
    with pytest.raises(ValueError, match='0.001'):
        _build(momentum=momentum)


def test_two_views_required():
    model = _build()
    data = _batches(1)[0]
    data['inputs'] = data['inputs'][:1]
    with pytest.raises(ValueError, match='two views'):
        model.train_step(data, _optim(model))


def test_step_mirror_restored_on_load():
    trained, fresh = _build(), _build()
    optim = _optim(trained)
    batches = _batches(3)
    for data in batches[:2]:
        trained.train_step(data, optim)
    untrained = _build()
    untrained.load_state_dict(_build(seed=1).state_dict())
    assert not untrained._momentum_started  # steps == 0: will copy first
    fresh.load_state_dict(trained.state_dict())
    assert fresh._momentum_started
    # Both now lerp (a fresh mirror would copy instead).
    with torch.no_grad():
        for model in (trained, fresh):
            model.backbone.conv1.weight.add_(1.0)
            model.momentum_update()
    _assert_same_state(trained, fresh)


def test_guard_detects_host_transfers():
    guard = HostTransferGuard()
    with guard:
        torch.zeros(3).to('meta')
    assert guard.transfers == ['aten._to_copy.default']


def test_train_step_has_no_host_sync():
    model = _build().to('meta')
    optim = _optim(model)
    for data in _batches(2, device='meta'):  # copy step, then lerp step
        guard = HostTransferGuard()
        with guard:
            log_vars = model.train_step(data, optim)
        assert guard.transfers == []
        assert log_vars['loss'].device.type == 'meta'


def test_mmpretrain_moco_step_reads_the_device():
    # The same check fails on mmpretrain's MoCo: proof the check can fail.
    model = _build('MoCo').to('meta')
    with pytest.raises(RuntimeError, match='meta'):
        model.train_step(_batches(1, device='meta')[0], _optim(model))


def test_bf16_autocast_step():
    model = _build()
    optim = _optim(model, 'BF16OptimWrapper')
    data = _batches(1)[0]
    loss = model.train_step(data, optim)['loss']
    assert torch.isfinite(loss)
    assert model.queue.dtype == torch.float32
    norms = model.queue[:, :BATCH].norm(dim=0)
    assert torch.allclose(norms, torch.ones(BATCH), atol=1e-2)


# ---------------------------------------------------------------- DDP (gloo)
def _ddp_worker(rank, world_size, port, result_queue):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.distributed.init_process_group(
        'gloo', rank=rank, world_size=world_size)
    torch.set_num_threads(1)
    try:
        data = _batches(1, seed=10 + rank)[0]  # different data per rank
        # 12 is a multiple of the per-rank batch 4, not of the global 8.
        model = _build(queue_len=12)
        try:
            model.train_step(data, _optim(model))
            error = None
        except ValueError as err:
            error = str(err)

        model = _build(queue_len=16)
        initial = model.queue.clone()
        im_k = data['inputs'][1]
        # Shuffle-BN permutes and restores exactly: with BN on running
        # statistics the shuffled keys equal the plain ones.
        model.encoder_k.eval()
        plain = torch.nn.functional.normalize(model.encoder_k(im_k)[0], dim=1)
        exact = torch.allclose(plain, model._encode_keys(im_k), atol=1e-6)
        model.encoder_k.train()
        model.train_step(data, _optim(model))
        # numpy: torch tensors would be shared with the exited process.
        result_queue.put((rank, dict(
            error=error,
            exact=exact,
            queue=model.queue.numpy().copy(),
            initial=initial.numpy(),
            ptr=model.queue_ptr.tolist(),
            key_w=model.encoder_k.module[0].conv1.weight.detach().numpy())))
    finally:
        torch.distributed.destroy_process_group()


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.e2e
def test_ddp_queue_and_shuffle_bn_two_processes():
    world_size = 2
    result_queue = mp.get_context('spawn').SimpleQueue()
    mp.start_processes(
        _ddp_worker,
        args=(world_size, _free_port(), result_queue),
        nprocs=world_size,
        start_method='spawn')
    results = dict(result_queue.get() for _ in range(world_size))
    r0, r1 = results[0], results[1]
    for res in (r0, r1):
        assert '8 = batch per GPU x 2 GPUs' in res['error']
        assert res['exact']
    # Global batch 8 enqueued on both ranks alike; the rest untouched.
    assert r0['ptr'] == r1['ptr'] == [8]
    queue = torch.from_numpy(r0['queue'])
    assert torch.equal(queue, torch.from_numpy(r1['queue']))
    assert torch.equal(queue[:, 8:], torch.from_numpy(r0['initial'])[:, 8:])
    # Both ranks' keys (different data) are in the first 8 columns.
    assert not torch.allclose(queue[:, :4], queue[:, 4:8], atol=1e-3)
    assert torch.allclose(queue[:, :8].norm(dim=0), torch.ones(8), atol=1e-5)
    assert (r0['key_w'] == r1['key_w']).all()

"""GAELLE under DDP: 2 CPU processes (gloo) against one on the whole batch.

Each rank holds half of a global batch. Its Sinkhorn codes, losses and
(averaged) gradients must equal one process's on the concatenated batch,
for the pure function and for the full model with its feature queue and
synchronised BN; mmpretrain's ``distributed_sinkhorn`` must not (its
equipartition is per GPU). The hooks drive a wrapped model.
"""
import os.path as osp
import socket
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from gaelle_fixtures import build_model, crops, data_batch
from mmmlc.engine.hooks import FeatureQueueHook, PrototypeFreezeHook
from mmmlc.models.heads import gaelle_head
from mmmlc.models.utils import sinkhorn_knopp

# Multi-process DDP runs (about 10 s per process start): the e2e lane.
pytestmark = pytest.mark.e2e

WORLD_SIZE = 2
PER_RANK = 2
STEPS = 3  # queue of 8 rows: filled by steps 1-2, used in step 3
QUEUE = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _global_scores():
    gen = torch.Generator().manual_seed(0)
    return torch.rand(2, WORLD_SIZE * 5, 7, generator=gen,
                      dtype=torch.float64) * 2 - 1


def _global_crops(step):
    return crops(WORLD_SIZE * PER_RANK, seed=10 + step, dtype=torch.float64)


def _model():
    model = build_model(norm_eval=True).double()
    # Backbone BN on running statistics: per-sample, so that the only
    # cross-sample coupling is the neck's synchronised BN, the codes and
    # the queue, which is what is under test.
    model.train()
    model.start_queue(QUEUE)
    return model


def _run_model(model, inputs, step, record):
    """One forward/backward; returns losses, grads and the global codes."""
    codes = []

    def recording(scores, *args):
        out = sinkhorn_knopp(scores, *args)
        codes.append(out)
        return out

    record.setattr(gaelle_head, 'sinkhorn_knopp', recording)
    model.zero_grad()
    torch.manual_seed(100 + step)  # the same slot shuffle everywhere
    losses = model.loss(inputs, None)
    losses['loss'].backward()
    return dict(
        losses={k: v.detach() for k, v in losses.items()},
        grads={
            name: p.grad.clone()
            for name, p in model.named_parameters() if p.grad is not None
        },
        codes=codes[0][:, -inputs[0].shape[0]:])


def _worker(rank: int, port: int, out_dir: str) -> None:
    torch_dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=WORLD_SIZE)
    torch.set_num_threads(1)
    try:
        result = dict(sinkhorn=_sinkhorn_part(rank))
        result['steps'] = _model_part(rank)
        result['hooks'] = _hook_part(rank)
        torch.save(result, osp.join(out_dir, f'rank{rank}.pt'))
    finally:
        torch_dist.destroy_process_group()


def _sinkhorn_part(rank):
    from mmpretrain.models.losses.swav_loss import distributed_sinkhorn
    part = _global_scores()[:, rank * 5:(rank + 1) * 5]
    return dict(
        ours=sinkhorn_knopp(part),
        mmpretrain=distributed_sinkhorn(part[0].clone(), 3, WORLD_SIZE,
                                        0.05))


def _model_part(rank):
    model = _model()
    mine = slice(rank * PER_RANK, (rank + 1) * PER_RANK)
    record = pytest.MonkeyPatch()
    steps = []
    try:
        for step in range(STEPS):
            inputs = [view[mine] for view in _global_crops(step)]
            steps.append(_run_model(model, inputs, step, record))
    finally:
        record.undo()
    steps[-1]['queue'] = model.head.queue.clone()
    steps[-1]['use_queue'] = model.head._use_queue
    return steps


def _hook_part(rank):
    from mmengine.model import MMDistributedDataParallel
    from mmengine.optim import build_optim_wrapper
    model = build_model()
    wrapped = MMDistributedDataParallel(
        module=model, find_unused_parameters=True)
    optim = build_optim_wrapper(
        model,
        dict(type='OptimWrapper',
             optimizer=dict(type='SGD', lr=0.1, momentum=0.9,
                            weight_decay=0.1)))
    runner = SimpleNamespace(
        model=wrapped, iter=0, epoch=0,
        train_dataloader=SimpleNamespace(batch_size=PER_RANK))
    out = {}
    try:
        FeatureQueueHook(queue_length=6).before_train(runner)
    except ValueError as err:
        out['queue_error'] = str(err)
    queue_hook = FeatureQueueHook(queue_length=QUEUE, epoch_queue_starts=1)
    queue_hook.before_train(runner)
    queue_hook.before_train_epoch(runner)
    out['queue_epoch0'] = tuple(model.head.queue.shape)
    runner.epoch = 1
    queue_hook.before_train_epoch(runner)
    out['queue_epoch1'] = tuple(model.head.queue.shape)
    freeze = PrototypeFreezeHook(frozen_iters=1)
    weights = []
    for it in range(2):
        runner.iter = it
        freeze.before_train_iter(runner, it)
        before = model.head.prototypes.weight.detach().clone()
        wrapped.train_step(data_batch(PER_RANK, seed=20 + rank), optim)
        weights.append((before, model.head.prototypes.weight.detach().clone(),
                        model.backbone.conv1.weight.detach().clone()))
    out['weights'] = weights
    return out


@pytest.fixture(scope='module')
def ranks(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('gaelle_ddp'))
    mp.spawn(
        _worker,
        args=(_free_port(), out_dir),
        nprocs=WORLD_SIZE,
        join=True)
    return [
        torch.load(osp.join(out_dir, f'rank{r}.pt'), weights_only=False)
        for r in range(WORLD_SIZE)
    ]


def test_sinkhorn_equals_one_process_on_the_whole_batch(ranks):
    single = sinkhorn_knopp(_global_scores())
    ddp = torch.cat([r['sinkhorn']['ours'] for r in ranks], dim=1)
    torch.testing.assert_close(ddp, single, rtol=0, atol=1e-14)
    # mmpretrain's version equipartitions per GPU: its codes are those of
    # each rank's half alone, not the global batch's.
    theirs = torch.cat([r['sinkhorn']['mmpretrain'] for r in ranks])
    per_gpu = torch.cat(
        [sinkhorn_knopp(half) for half in _global_scores()[0].split(5)])
    torch.testing.assert_close(theirs, per_gpu)
    assert (theirs - single[0]).abs().max() > 0.1


def test_model_codes_losses_and_grads_equal_one_process(ranks):
    model = _model()
    record = pytest.MonkeyPatch()
    try:
        for step in range(STEPS):
            single = _run_model(model, _global_crops(step), step, record)
            per_rank = [r['steps'][step] for r in ranks]
            torch.testing.assert_close(
                torch.cat([r['codes'] for r in per_rank], dim=1),
                single['codes'], rtol=0, atol=1e-12)
            for name, value in single['losses'].items():
                torch.testing.assert_close(
                    sum(r['losses'][name] for r in per_rank) / WORLD_SIZE,
                    value, rtol=1e-10, atol=1e-12, msg=f'{step} {name}')
            # DDP averages the ranks' gradients.
            assert set(per_rank[0]['grads']) == set(single['grads'])
            for name, grad in single['grads'].items():
                torch.testing.assert_close(
                    sum(r['grads'][name] for r in per_rank) / WORLD_SIZE,
                    grad, rtol=1e-9, atol=1e-12, msg=f'{step} {name}')
    finally:
        record.undo()
    last = [r['steps'][-1] for r in ranks]
    assert all(r['use_queue'] for r in last) and model.head._use_queue
    # Every rank holds every rank's queue block (so rank 0's checkpoint
    # has them all): (crop, rank, step, image) against the single
    # process's (crop, step, image of the global batch).
    torch.testing.assert_close(last[0]['queue'], last[1]['queue'])
    assert last[0]['queue'].shape == model.head.queue.shape == (2, QUEUE, 16)
    by_rank = last[0]['queue'].view(2, WORLD_SIZE, -1, PER_RANK, 16)
    torch.testing.assert_close(
        by_rank.transpose(1, 2).reshape(2, QUEUE, 16), model.head.queue)


def test_hooks_drive_the_wrapped_model(ranks):
    for rank in ranks:
        hooks = rank['hooks']
        assert '2 images per GPU x 2 GPUs = 4' in hooks['queue_error']
        assert hooks['queue_epoch0'] == (2, 0, 16)
        assert hooks['queue_epoch1'] == (2, QUEUE, 16)
        (before0, after0, conv0), (before1, after1, _) = hooks['weights']
        # Frozen: no SGD step at all (weight decay 0.1 and momentum would
        # move a zero gradient), only the per-step normalisation.
        torch.testing.assert_close(after0, F.normalize(before0, dim=1),
                                   rtol=0, atol=1e-7)
        assert not torch.allclose(after1, F.normalize(before1, dim=1))
    # The backbone's step is the same on both ranks (averaged gradients).
    torch.testing.assert_close(ranks[0]['hooks']['weights'][0][2],
                               ranks[1]['hooks']['weights'][0][2])

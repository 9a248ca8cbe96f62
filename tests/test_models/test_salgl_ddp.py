"""SALGL's co-occurrence buffers under DDP: 2 CPU processes (gloo).

Each rank sees half of a global batch; after the update its buffer must
equal one process's buffer after the same update on the whole batch, and
both ranks must hold the same buffer.
"""
import os.path as osp
import socket

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp

import mmmlc  # noqa: F401
from mmmlc.models.necks import SceneLabelGraphNeck

# Multi-process DDP runs (about 10 s per process start): the e2e lane.
pytestmark = pytest.mark.e2e

WORLD_SIZE = 2
NUM_STEPS = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _neck(soft: bool) -> SceneLabelGraphNeck:
    torch.manual_seed(0)
    return SceneLabelGraphNeck(
        in_channels=16,
        num_classes=5,
        num_scenes=3,
        random_embedding=True,
        embedding_dim=8,
        attention_dim=8,
        num_heads=2,
        ffn_dim=32,
        dropout=0.0,
        soft_scenes=soft).train()


def _global_batches():
    generator = torch.Generator().manual_seed(1)
    feats = torch.randn(NUM_STEPS, 8, 16, 3, 3, generator=generator)
    labels = (torch.rand(NUM_STEPS, 8, 5, generator=generator) < 0.4)
    return feats, labels.float()


def _worker(rank: int, port: int, out_dir: str) -> None:
    torch_dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=WORLD_SIZE)
    try:
        # Both modes in one spawn: starting a process costs ~10 s here.
        for soft in (False, True):
            _run_rank(rank, soft, out_dir)
    finally:
        torch_dist.destroy_process_group()


def _run_rank(rank: int, soft: bool, out_dir: str) -> None:
    neck = _neck(soft)
    feats, labels = _global_batches()
    per_rank = feats.shape[1] // WORLD_SIZE
    part = slice(rank * per_rank, (rank + 1) * per_rank)
    for step in range(NUM_STEPS):
        scene_probs, class_feats = neck(
            feats[step, part], gt_scores=labels[step, part])
    # The local batch's graph reaches pi (soft) or not (hard).
    class_feats.sum().backward()
    grad = neck.scene_classifier.weight.grad
    torch.save(
        dict(
            comatrix=neck.comatrix,
            scene_probs=scene_probs.detach(),
            scene_grad=torch.zeros(1) if grad is None else grad),
        osp.join(out_dir, f'soft{int(soft)}_rank{rank}.pt'))


@pytest.fixture(scope='module')
def ddp_results(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('salgl_ddp'))
    mp.spawn(
        _worker,
        args=(_free_port(), out_dir),
        nprocs=WORLD_SIZE,
        join=True)
    return out_dir


@pytest.mark.parametrize('soft', [False, True])
def test_buffers_equal_single_process_on_global_batch(ddp_results, soft):
    ranks = [
        torch.load(
            osp.join(ddp_results, f'soft{int(soft)}_rank{r}.pt'),
            weights_only=True) for r in range(WORLD_SIZE)
    ]
    single = _neck(soft)
    feats, labels = _global_batches()
    for step in range(NUM_STEPS):
        scene_probs, _ = single(feats[step], gt_scores=labels[step])
    # Same per-sample scene probabilities on both sides.
    torch.testing.assert_close(
        torch.cat([r['scene_probs'] for r in ranks]), scene_probs.detach())
    assert torch.equal(ranks[0]['comatrix'], ranks[1]['comatrix'])
    if soft:
        torch.testing.assert_close(ranks[0]['comatrix'], single.comatrix)
        assert all(r['scene_grad'].abs().sum() > 0 for r in ranks)
    else:
        assert torch.equal(ranks[0]['comatrix'], single.comatrix)
        assert all(torch.count_nonzero(r['scene_grad']) == 0 for r in ranks)
    # Not vacuous: a rank alone would count only half of the labels.
    trace = ranks[0]['comatrix'].diagonal(dim1=1, dim2=2).sum()
    torch.testing.assert_close(trace, labels.sum())

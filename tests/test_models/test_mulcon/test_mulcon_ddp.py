"""LabelSupConLoss under DDP: 2 CPU processes (gloo).

Each rank holds half of the views; with the all-gather (with gradient)
the loss on every rank equals one process's loss on all views, and the
rank-averaged gradient (what DDP applies) equals the single-process
gradient.
"""
import os.path as osp
import socket

import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
import torch.nn.functional as F

import mmmlc  # noqa: F401
from mmmlc.models.losses import LabelSupConLoss

# Multi-process DDP runs (about 10 s per process start): the e2e lane.
pytestmark = pytest.mark.e2e

WORLD_SIZE = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _projection() -> torch.nn.Linear:
    torch.manual_seed(0)
    return torch.nn.Linear(6, 4)


def _global_batch():
    gen = torch.Generator().manual_seed(1)
    feats = torch.randn(8, 3, 6, generator=gen)  # (views, L, d)
    targets = (torch.rand(8, 3, generator=gen) < 0.5).float()
    return feats, targets


def _loss(proj, feats, targets, gather=True):
    z = F.normalize(proj(feats), dim=-1)
    return LabelSupConLoss(gather=gather, denominator_size=0)(z, targets)


def _worker(rank: int, port: int, out_dir: str) -> None:
    torch_dist.init_process_group(
        'gloo',
        init_method=f'tcp://127.0.0.1:{port}',
        rank=rank,
        world_size=WORLD_SIZE)
    try:
        feats, targets = _global_batch()
        part = slice(rank * 4, (rank + 1) * 4)
        results = {}
        for gather in (True, False):
            proj = _projection()
            loss = _loss(proj, feats[part], targets[part], gather)
            loss.backward()
            grad = proj.weight.grad.clone()
            torch_dist.all_reduce(grad)
            results[gather] = dict(loss=loss.detach(), grad=grad / WORLD_SIZE)
        torch.save(results, osp.join(out_dir, f'rank{rank}.pt'))
    finally:
        torch_dist.destroy_process_group()


@pytest.fixture(scope='module')
def ddp_results(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('mulcon_ddp'))
    # spawn, not fork: a fork after the parent has used OpenMP threads
    # (any earlier test) can hang the children.
    mp.spawn(
        _worker, args=(_free_port(), out_dir), nprocs=WORLD_SIZE, join=True)
    return [
        torch.load(osp.join(out_dir, f'rank{r}.pt'), weights_only=True)
        for r in range(WORLD_SIZE)
    ]


def test_gathered_loss_equals_single_process(ddp_results):
    proj = _projection()
    feats, targets = _global_batch()
    loss = _loss(proj, feats, targets)
    loss.backward()
    for rank in ddp_results:
        torch.testing.assert_close(rank[True]['loss'], loss.detach())
        torch.testing.assert_close(rank[True]['grad'], proj.weight.grad)


def test_without_gather_each_rank_sees_its_half(ddp_results):
    feats, targets = _global_batch()
    for r, rank in enumerate(ddp_results):
        part = slice(r * 4, (r + 1) * 4)
        torch.testing.assert_close(
            rank[False]['loss'],
            _loss(_projection(), feats[part], targets[part]).detach())
    # Not vacuous: the per-rank losses differ from the global one.
    assert not torch.allclose(ddp_results[0][False]['loss'],
                              ddp_results[0][True]['loss'])

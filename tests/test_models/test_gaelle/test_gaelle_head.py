"""GAELLEHead: losses as the reference computes them, queue, switches.

Vectors and conventions: docs/reference/gaelle.md ("Fidelity vectors" 9,
"Feature queue", "Quirks and switches").
"""
import math

import pytest
import torch
import torch.nn.functional as F

import mmmlc  # noqa: F401
from mmmlc.models.heads import GAELLEHead
from mmmlc.models.utils import sinkhorn_knopp

D64 = torch.float64
BATCH, SLOTS, DIM, K = 4, 3, 6, 10


def _head(**kwargs):
    torch.manual_seed(0)
    cfg = dict(feat_dim=DIM, local_feat_dim=DIM, num_prototypes=K,
               num_local_prototypes=7, num_crops=(2, 2))
    cfg.update(kwargs)
    head = GAELLEHead(**cfg).double()
    head.normalize_prototypes()
    return head


def _embeddings(seed=0, crops=4):
    gen = torch.Generator().manual_seed(seed)
    z = F.normalize(torch.randn(crops * BATCH, DIM, generator=gen,
                                dtype=D64), dim=1)
    z_local = F.normalize(torch.randn(2 * BATCH * SLOTS, DIM, generator=gen,
                                      dtype=D64), dim=1)
    return z.requires_grad_(), z_local.requires_grad_()


def _ce(code, score):
    return -(code * F.log_softmax(score / 0.1, dim=-1)).sum(-1).mean()


def test_loss_as_written_out_with_loops():
    head = _head()
    z, z_local = _embeddings()
    torch.manual_seed(5)
    losses = head.loss(z, z_local, BATCH)
    torch.manual_seed(5)
    perms = torch.rand(2, SLOTS).argsort(dim=1)
    # Written out with loops: docs/reference/gaelle.md, "SwAV core" to "Total
    # loss".
    scores = head.prototypes(z).view(4, BATCH, K)
    codes = [sinkhorn_knopp(scores[a].detach()) for a in (0, 1)]
    glb = sum(
        sum(_ce(codes[a], scores[v]) for v in range(4) if v != a) / 3
        for a in (0, 1)) / 2
    zl = z_local.view(2, BATCH, SLOTS, DIM)
    local_scores = head.local_prototypes(zl)
    alg = 0
    for a in (0, 1):
        code = sinkhorn_knopp(local_scores[a].detach().reshape(-1, 7))
        pred = local_scores[1 - a][:, perms[a]].reshape(-1, 7)
        alg = alg + _ce(code, pred) / 2
    l2g = 0
    for v in (0, 1):
        pooled = F.normalize(zl[v].detach().mean(dim=1), dim=1)
        for a in (0, 1):
            l2g = l2g + _ce(codes[a], head.l2g_prototypes(pooled)) / 4
    torch.testing.assert_close(losses['glb'], glb.detach())
    torch.testing.assert_close(losses['alg'], alg.detach())
    torch.testing.assert_close(losses['l2g'], l2g.detach())
    torch.testing.assert_close(losses['loss'], (glb + alg + l2g) / 3)
    assert losses['loss'].requires_grad and not losses['glb'].requires_grad


def test_l2g_detach_switch():
    for detach in (True, False):
        head = _head(l2g_detach=detach, global_weight=0.0, local_weight=0.0,
                     l2g_weight=1.0)
        z, z_local = _embeddings()
        head.loss(z, z_local, BATCH)['loss'].backward()
        assert head.l2g_prototypes.weight.grad.abs().sum() > 0
        reached = z_local.grad is not None and z_local.grad.abs().sum() > 0
        assert reached is not detach
        # The global codes never carry a gradient.
        assert z.grad is None or z.grad.abs().sum() == 0


def test_weights_drop_terms_and_their_prototypes():
    head = _head(global_weight=1.0, local_weight=0.0, l2g_weight=0.0)
    assert not head.needs_local
    assert not hasattr(head, 'local_prototypes')
    assert not hasattr(head, 'l2g_prototypes')
    z, _ = _embeddings()
    losses = head.loss(z, None, BATCH)
    assert set(losses) == {'loss', 'glb'}
    torch.testing.assert_close(losses['loss'], losses['glb'])
    with pytest.raises(ValueError, match='no local embeddings'):
        _head().loss(z, None, BATCH)


def test_frozen_prototypes_get_no_gradient():
    head = _head()
    z, z_local = _embeddings()
    head.set_prototypes_frozen(True)
    head.loss(z, z_local, BATCH)['loss'].backward()
    for name in ('prototypes', 'local_prototypes', 'l2g_prototypes'):
        assert getattr(head, name).weight.grad is None, name
    assert z.grad.abs().sum() > 0  # the rest still learns
    head.set_prototypes_frozen(False)
    head.loss(z, z_local, BATCH)['loss'].backward()
    for name in ('prototypes', 'local_prototypes', 'l2g_prototypes'):
        assert getattr(head, name).weight.grad.abs().sum() > 0, name
    only_global = _head(frozen_prototypes=['prototypes'])
    only_global.set_prototypes_frozen(True)
    only_global.loss(z, z_local, BATCH)['loss'].backward()
    assert only_global.prototypes.weight.grad is None
    assert only_global.local_prototypes.weight.grad is not None


def test_prototypes_are_normalised_in_place():
    head = _head()
    with torch.no_grad():
        head.prototypes.weight.mul_(3.0)
    head.normalize_prototypes()
    torch.testing.assert_close(head.prototypes.weight.norm(dim=1),
                               torch.ones(K, dtype=D64))


def test_queue_fills_then_joins_the_codes():
    head = _head()
    with pytest.raises(ValueError, match='multiple of the global batch'):
        head.start_queue(10, batch_size=BATCH)
    head.start_queue(8, batch_size=BATCH)  # 2 batches
    assert head.queue.shape == (2, 8, DIM) and not head.queue.any()
    batches = [_embeddings(seed)[0] for seed in range(4)]
    for step, z in enumerate(batches):
        losses = head.loss(z, _embeddings(9)[1], BATCH)
        rows = z.detach().view(4, BATCH, DIM)
        # Newest batch on top, FIFO per assignment crop.
        torch.testing.assert_close(head.queue[:, :BATCH], rows[:2])
        if step:
            torch.testing.assert_close(head.queue[:, BATCH:],
                                       batches[step - 1].detach().view(
                                           4, BATCH, DIM)[:2])
        # Used from the 3rd step: once full before this step's push.
        assert head._use_queue is (step >= 2)
    # Step 4's codes come from [queue of steps 2-3; batch 4].
    queue_before = torch.cat([batches[2], batches[1]]).view(
        2, 4, BATCH, DIM)[:, :2].transpose(0, 1).reshape(2, 2 * BATCH, DIM)
    scores = head.prototypes(batches[3]).view(4, BATCH, K).detach()
    stacked = torch.cat([queue_before @ head.prototypes.weight.t(),
                         scores[:2]], dim=1)
    codes = sinkhorn_knopp(stacked)[:, -BATCH:]
    expected = sum(
        sum(_ce(codes[a], scores[v]) for v in range(4) if v != a) / 3
        for a in (0, 1)) / 2
    torch.testing.assert_close(losses['glb'], expected)


def test_queue_restored_from_the_state_dict():
    head = _head()
    head.start_queue(8)
    for seed in range(3):
        head.loss(_embeddings(seed)[0], _embeddings(9)[1], BATCH)
    state = head.state_dict()
    assert state['queue'].shape == (2, 8, DIM)
    restored = _head()
    assert restored.queue.numel() == 0
    restored.load_state_dict(state)
    torch.testing.assert_close(restored.queue, head.queue)
    assert restored._queue_filled_rows == 8 and not restored._use_queue
    # The hook restarts it each epoch: kept (same length), flag reset, and
    # used at once since it is full, as the reference's last-row check.
    restored.start_queue(8, batch_size=BATCH)
    torch.testing.assert_close(restored.queue, head.queue)
    z, z_local = _embeddings(5)
    torch.manual_seed(1)
    expected = head.loss(z, z_local, BATCH)
    torch.manual_seed(1)
    got = restored.loss(z, z_local, BATCH)
    assert restored._use_queue
    torch.testing.assert_close(got['loss'], expected['loss'])
    # A half-filled queue resumes half-filled.
    partial = _head()
    partial.start_queue(8)
    partial.loss(_embeddings(0)[0], _embeddings(9)[1], BATCH)
    again = _head()
    again.load_state_dict(partial.state_dict())
    assert again._queue_filled_rows == BATCH
    # A new length starts from zeros.
    again.start_queue(16)
    assert again.queue.shape == (2, 16, DIM) and not again.queue.any()


def test_bad_configuration():
    with pytest.raises(ValueError, match='crops_for_assign'):
        GAELLEHead(num_crops=(2, 6), crops_for_assign=(0, 8))
    with pytest.raises(ValueError, match='two crops of the first'):
        GAELLEHead(num_crops=(1, 6), crops_for_assign=(0, ))
    with pytest.raises(ValueError, match='frozen_prototypes'):
        GAELLEHead(frozen_prototypes=['protos'])
    head = _head()
    with pytest.raises(ValueError, match='expected num_crops'):
        head.loss(*_embeddings(crops=5), BATCH)


def test_fewer_prototypes_than_dimensions_warns_and_is_a_fixed_point():
    # K = 4 prototypes in R^6: embeddings orthogonal to all of them score 0
    # everywhere, so codes and predictions are uniform, the loss is ln K and
    # nothing moves. This is why SwAV sat at 4.6052 with K = 100, D = 128.
    with pytest.warns(UserWarning, match=r'4 prototypes for 6-d'):
        head = GAELLEHead(feat_dim=DIM, local_feat_dim=DIM, num_prototypes=4,
                          num_crops=(2, 2), local_weight=0, l2g_weight=0,
                          global_weight=1).double()
    with torch.no_grad():
        head.prototypes.weight.copy_(torch.eye(4, DIM, dtype=D64))
    gen = torch.Generator().manual_seed(0)
    z = torch.zeros(4 * BATCH, DIM, dtype=D64)
    z[:, 4:] = torch.randn(4 * BATCH, 2, generator=gen, dtype=D64)
    z = F.normalize(z, dim=1).requires_grad_()
    loss = head.loss(z, None, BATCH)['loss']
    loss.backward()
    assert loss.item() == pytest.approx(math.log(4), abs=1e-12)
    assert z.grad.abs().max() < 1e-12
    assert head.prototypes.weight.grad.abs().max() < 1e-12
    # Off that subspace the gradient is not zero.
    head.zero_grad()
    z2 = F.normalize(torch.randn(4 * BATCH, DIM, generator=gen, dtype=D64),
                     dim=1).requires_grad_()
    head.loss(z2, None, BATCH)['loss'].backward()
    assert head.prototypes.weight.grad.abs().max() > 1e-3


def test_enough_prototypes_do_not_warn(recwarn):
    GAELLEHead(feat_dim=DIM, local_feat_dim=DIM, num_prototypes=DIM,
               num_local_prototypes=DIM + 1, num_crops=(2, 2))
    assert not [w for w in recwarn if 'prototypes for' in str(w.message)]
    with pytest.warns(UserWarning, match=r'local_prototypes has 3'):
        GAELLEHead(feat_dim=DIM, local_feat_dim=DIM, num_prototypes=DIM,
                   num_local_prototypes=3, num_crops=(2, 2))

"""Issue 19 item 10: the MoCo-v2 key encoder keeps its own BN statistics.

The reference momentum-updates parameters only
(docs/reference/object_aware_cropping.md, MoCo-v2 recipe); its key encoder's
BN running statistics come from the key encoder's own forward passes.
``copy_key_buffers=True`` keeps mmpretrain's copy of the query's buffers.
"""
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import mmmlc  # noqa: F401
from mmmlc.registry import MODELS

BATCH, FEAT = 4, 16


def _build(**extra):
    init_default_scope('mmmlc')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='MoCoV2',
            queue_len=8,
            feat_dim=FEAT,
            momentum=0.2,
            backbone=dict(
                type='ResNet',
                depth=18,
                stem_channels=8,
                base_channels=8,
                out_indices=(3, ),
                zero_init_residual=False),
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
            **extra))
    model.init_weights()
    return model


def _batches(num, seed=1):
    gen = torch.Generator().manual_seed(seed)
    return [
        dict(
            inputs=[torch.randn(BATCH, 3, 32, 32, generator=gen)
                    for _ in range(2)],
            data_samples=[DataSample() for _ in range(BATCH)])
        for _ in range(num)
    ]


def _optim(model):
    return build_optim_wrapper(
        model, dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.5)))


def test_momentum_update_leaves_key_buffers():
    model = _build()
    key_bn = model.encoder_k.module[0].bn1
    with torch.no_grad():
        model.backbone.bn1.running_mean.fill_(3.0)
        key_bn.running_mean.fill_(-1.0)
    model.momentum_update()  # first update: copies parameters only
    model.momentum_update()  # lerp
    assert key_bn.running_mean.tolist() == [-1.0] * 8
    assert torch.equal(model.encoder_k.module[0].conv1.weight,
                       model.backbone.conv1.weight)

    old = _build(copy_key_buffers=True)
    with torch.no_grad():
        old.backbone.bn1.running_mean.fill_(3.0)
    old.momentum_update()
    assert old.encoder_k.module[0].bn1.running_mean.tolist() == [3.0] * 8


def _record_bn_inputs(bn):
    """Batch mean and unbiased variance per channel of every call."""
    seen = []

    def hook(module, args):
        x = args[0].detach()
        seen.append((x.mean(dim=(0, 2, 3)),
                     x.var(dim=(0, 2, 3), unbiased=True)))

    return seen, bn.register_forward_pre_hook(hook)


def test_key_bn_statistics_are_its_own_after_two_steps():
    model = _build()
    key_bn = model.encoder_k.module[0].bn1
    query_bn = model.backbone.bn1
    seen, handle = _record_bn_inputs(key_bn)
    optim = _optim(model)
    for data in _batches(2):
        model.train_step(data, optim)
    handle.remove()
    assert len(seen) == 2  # one key forward per step
    (mean1, var1), (mean2, var2) = seen
    # torch BN momentum 0.1 from the build-time 0 / 1, key batches only:
    # r = 0.9 * (0.9 * r0 + 0.1 * b1) + 0.1 * b2.
    expected_mean = 0.9 * (0.1 * mean1) + 0.1 * mean2
    expected_var = 0.9 * (0.9 + 0.1 * var1) + 0.1 * var2
    torch.testing.assert_close(
        key_bn.running_mean, expected_mean, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(
        key_bn.running_var, expected_var, rtol=1e-5, atol=1e-6)
    assert int(key_bn.num_batches_tracked) == 2
    # The query's own statistics (query batches) differ from the key's.
    assert (query_bn.running_mean - key_bn.running_mean).abs().max() > 1e-3

    # The old behaviour (mmpretrain): the key copies the query's buffers
    # before its forward, then updates them with the key batch.
    old = _build(copy_key_buffers=True)
    old_key_bn = old.encoder_k.module[0].bn1
    optim = _optim(old)
    for data in _batches(2):
        old.train_step(data, optim)
    assert int(old_key_bn.num_batches_tracked) == 3  # query's 2 + its 1
    assert not torch.allclose(old_key_bn.running_mean, key_bn.running_mean)

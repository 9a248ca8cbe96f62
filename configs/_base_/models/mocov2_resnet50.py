# MoCo-v2 ResNet-50 (Chen et al. 2020), the recipe of Object-aware cropping
# (Mishra et al. 2022; docs/reference/object_aware_cropping.md (MoCo-v2 as
# the reference runs it)): torchvision-style ResNet-50
# (stride on the 3x3 conv, zero_init_residual=False), MLP head
# 2048 -> 2048 -> 128 without BN, queue K = 65536, key-encoder momentum
# m = 0.999 (mmengine convention: momentum = 1 - m = 0.001), temperature
# T = 0.2, one-direction InfoNCE. MoCoV2 is mmpretrain's MoCo (same loss and
# checkpoint keys) with a training step free of host syncs.
model = dict(
    type='MoCoV2',
    queue_len=65536,
    feat_dim=128,
    momentum=0.001,
    data_preprocessor=dict(
        # mmpretrain's SelfSupDataPreprocessor minus its per-view host copy.
        type='MultiViewDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
        # With pin_memory in the loader the host-to-GPU copy is async.
        non_blocking=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        out_indices=(3, ),
        norm_cfg=dict(type='BN'),
        zero_init_residual=False),
    neck=dict(
        type='MoCoV2Neck',
        in_channels=2048,
        hid_channels=2048,
        out_channels=128,
        with_avg_pool=True),
    head=dict(
        type='ContrastiveHead',
        loss=dict(type='CrossEntropyLoss'),
        temperature=0.2),
)

"""Shared tiny GAELLE models, batches and a host-transfer guard (tests)."""
import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.registry import MODELS

# 2 local views of 64 px (2 x 2 maps) and 3 small crops of 32 px (1 x 1).
NUM_CROPS = (2, 3)
SIZES = (64, 32)
DIM, LOCAL_DIM, GROUPS = 16, 12, 4  # M = DIM / GROUPS = 4 slots
NUM_PROTOTYPES, NUM_LOCAL_PROTOTYPES = 30, 20


def model_cfg(local=True, norm_eval=False, **head):
    """A narrow ResNet-18 GAELLE (64 output channels); fast on a CPU."""
    head_cfg = dict(
        type='GAELLEHead',
        feat_dim=DIM,
        local_feat_dim=LOCAL_DIM,
        num_prototypes=NUM_PROTOTYPES,
        num_local_prototypes=NUM_LOCAL_PROTOTYPES,
        num_crops=NUM_CROPS)
    if not local:
        head_cfg.update(global_weight=1.0, local_weight=0.0, l2g_weight=0.0)
    head_cfg.update(head)
    return dict(
        type='GAELLE',
        backbone=dict(
            type='ResNet',
            depth=18,
            stem_channels=8,
            base_channels=8,
            out_indices=(3, ),
            zero_init_residual=False,
            norm_eval=norm_eval),
        neck=dict(
            type='GAELLENeck',
            in_channels=64,
            hid_channels=32,
            out_channels=DIM,
            local_out_channels=LOCAL_DIM,
            nmb_groups_heads=GROUPS,
            with_local=local),
        head=head_cfg)


def build_model(seed=0, **kwargs):
    init_default_scope('mmmlc')
    torch.manual_seed(seed)
    return MODELS.build(model_cfg(**kwargs))


def crops(batch, seed=1, device='cpu', dtype=torch.float32):
    """One multi-crop batch: a list of ``(batch, 3, s, s)`` tensors."""
    gen = torch.Generator().manual_seed(seed)
    views = []
    for count, size in zip(NUM_CROPS, SIZES):
        views += [
            torch.randn(batch, 3, size, size, generator=gen, dtype=dtype)
            for _ in range(count)
        ]
    return [view.to(device) for view in views]


def data_batch(batch, seed=1, device='cpu'):
    return dict(
        inputs=crops(batch, seed, device),
        data_samples=[DataSample() for _ in range(batch)])


def sgd(model, lr=0.1):
    return build_optim_wrapper(
        model,
        dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=lr)))

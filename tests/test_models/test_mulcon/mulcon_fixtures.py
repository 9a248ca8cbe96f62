"""Tiny MulCon models and batches shared by the MulCon tests."""
import copy

import torch
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import mmmlc  # noqa: F401
from mmmlc.registry import MODELS

NUM_CLASSES = 5


def model_cfg(stage_two: bool = True, **head):
    """ResNet-18 -> label attention (d = 32) -> MulCon head."""
    preprocessor = dict(
        type='MultiViewDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True) if stage_two else dict(
            type='ClsDataPreprocessor', num_classes=NUM_CLASSES)
    head_cfg = dict(type='MulConHead', num_classes=NUM_CLASSES,
                    in_channels=32)
    if stage_two:
        head_cfg.update(
            proj_channels=(32, 16),
            contrastive_loss=dict(type='LabelSupConLoss', loss_weight=0.5))
    head_cfg.update(head)
    return dict(
        type='MulConClassifier',
        data_preprocessor=preprocessor,
        backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
        neck=dict(
            type='LabelWiseAttentionNeck',
            in_channels=512,
            num_classes=NUM_CLASSES,
            embed_dims=32,
            num_heads=4),
        head=head_cfg)


def build_model(stage_two: bool = True, seed: int = 0, **kwargs):
    init_default_scope('mmmlc')
    torch.manual_seed(seed)
    cfg = model_cfg(stage_two)
    cfg.update(kwargs)
    return MODELS.build(copy.deepcopy(cfg))


def targets(batch: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    out = (torch.rand(batch, NUM_CLASSES, generator=gen) < 0.4).float()
    out[:, 0] = 1  # every image has class 0: positives across images
    return out


def samples(batch: int, seed: int = 0, device: str = 'cpu'):
    return [
        DataSample().set_gt_score(row.to(device))
        for row in targets(batch, seed)
    ]


def views(batch: int, num_views: int = 2, size: int = 64, seed: int = 0,
          device: str = 'cpu'):
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.randn(batch, 3, size, size, generator=gen).to(device)
        for _ in range(num_views)
    ]

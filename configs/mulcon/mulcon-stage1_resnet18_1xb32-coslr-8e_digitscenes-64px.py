# MulCon stage one on the embedded DigitScenes data (no download), sized for
# 2 CPU cores: ResNet-18 from scratch on the 128 px images read at 64 px
# (2 x 2 map of 512 channels), label attention of width 128 (4 heads, the
# released block order), batch 32, 8 epochs (752 steps). The recipe of
# ../_base_/schedules/mulcon_adamw_coslr_25e.py compressed: AdamW wd 1e-4,
# linear warm-up to 0.904604 x lr over 2 epochs, then cosine per epoch to 0;
# lr 1e-3 for every part (the backbone is not pretrained, so no 0.1 factor);
# EMA decay 0.99 (momentum 0.01; 0.9997 would average over more steps than
# the run has). Augmentation: RandomResizedCrop(0.875-1) only (no flip: a
# mirrored digit is another glyph; no RandAugment: its 20 px Cutout would
# erase digits at 64 px). Then stage two:
#   python tools/train.py configs/mulcon/<this file>
#   python tools/train.py configs/mulcon/\
#       mulcon-stage2_resnet18_1xb32-2view-steplr-4e_digitscenes-64px.py
_base_ = [
    '../_base_/datasets/digit_scenes.py',
    '../_base_/models/mulcon_resnet101.py',
    '../_base_/schedules/mulcon_adamw_coslr_25e.py',
    '../_base_/default_runtime.py',
]
num_classes = 10
img_size = 64
max_epochs = 8
warmup_epochs = 2
lr = 1e-3
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(
        depth=18,
        # mmpretrain's ResNet default initialisation (no ImageNet weights).
        init_cfg=[
            dict(type='Kaiming', layer=['Conv2d']),
            dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
        ]),
    neck=dict(in_channels=512, num_classes=num_classes, embed_dims=128),
    head=dict(num_classes=num_classes, in_channels=128),
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.875, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3),
        backend='pillow',
        interpolation='bilinear'),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size), backend='pillow'),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
optim_wrapper = dict(
    optimizer=dict(lr=lr),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        end_factor=0.904604,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='FusedExponentialMovingAverage',
        momentum=0.01,
        update_buffers=True,
        priority='ABOVE_NORMAL'),
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=1, max_keep_ckpts=1))
randomness = dict(seed=0)

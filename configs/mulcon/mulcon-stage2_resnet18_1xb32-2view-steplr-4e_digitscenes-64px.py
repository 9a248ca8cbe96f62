# MulCon stage two on DigitScenes: starts from the stage-one run's final EMA
# weights (mulcon-stage1_resnet18_1xb32-coslr-8e_digitscenes-64px.py, its
# last checkpoint; another file with --cfg-options
# model.stage_one_checkpoint=PATH), adds the projector (128 -> 128 -> ReLU ->
# 64) and the contrastive term (tau 0.2, weight 0.5). Two views per image
# (RandomResizedCrop 0.875-1 each; the released squash-resize + flip +
# RandAugment do not suit 64 px digits), batch 32 images = 64 views, SGD as
# released (lr 0.01 head and projector, 1e-3 backbone and attention,
# momentum 0.9, wd 1e-4), 4 epochs (376 steps), EMA decay 0.99.
_base_ = [
    '../_base_/datasets/digit_scenes.py',
    '../_base_/models/mulcon_resnet101_stage2.py',
    '../_base_/schedules/mulcon_sgd_steplr_15e.py',
    '../_base_/default_runtime.py',
]
num_classes = 10
img_size = 64
max_epochs = 4
stage_one_checkpoint = ('work_dirs/mulcon-stage1_resnet18_1xb32-coslr-8e_'
                        'digitscenes-64px/epoch_8.pth')
model = dict(
    stage_one_checkpoint=stage_one_checkpoint,
    backbone=dict(depth=18),
    neck=dict(in_channels=512, num_classes=num_classes, embed_dims=128),
    head=dict(
        num_classes=num_classes, in_channels=128, proj_channels=(128, 64)),
)
view_pipeline = [
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.875, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3),
        backend='pillow',
        interpolation='bilinear'),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size), backend='pillow'),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
# The multi-view preprocessor takes default_collate's stacked batch.
train_dataloader = dict(
    collate_fn=dict(type='default_collate'),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    collate_fn=dict(type='default_collate'),
    dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(
    collate_fn=dict(type='default_collate'),
    dataset=dict(pipeline=test_pipeline))
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
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

# MoCo-v2 Scene-Scene baseline on the embedded DigitScenes (3,000 train
# images of 128 px, built on first use; no download), small enough for a
# CPU: ResNet-18, views of 64 px, batch 64, queue 4,096 (a multiple of 64),
# 10 epochs of 46 steps (about 1-1.5 s a step on 2 CPU cores, ~10 min).
# Pair with the object-object config of the same size (same steps), then
# the DigitScenes linear probe:
#   python tools/train.py configs/objcrop/<this file>
# Changes to the paper's recipe for a run of ~460 steps instead of ~330k:
# key-encoder momentum m = 0.99 (momentum=0.01; with m = 0.999 the key
# encoder would hardly leave its initialisation), lr 0.03 for batch 64,
# blur sigma scaled to 64-px views, no flips (a mirrored digit is another
# glyph).
_base_ = [
    '../_base_/models/mocov2_resnet50.py',
    '../_base_/schedules/sgd_coslr_200e_mocov2.py',
    '../_base_/default_runtime.py',
]
max_epochs = 10
view_size = 64
model = dict(
    queue_len=4096,
    momentum=0.01,
    backbone=dict(depth=18),
    neck=dict(in_channels=512, hid_channels=512, out_channels=128))
optim_wrapper = dict(optimizer=dict(lr=0.03))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=64)

photometric = [
    dict(
        type='RandomApply',
        prob=0.8,
        transforms=[
            dict(
                type='ColorJitterFixedHue',
                brightness=0.4,
                contrast=0.4,
                saturation=0.4,
                hue=0.1)
        ]),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
    # sigma U[0.1, 2] px at 224 px, scaled to 64 px.
    dict(
        type='GaussianBlur',
        magnitude_range=(0.03, 0.57),
        magnitude_std='inf',
        prob=0.5),
]
t_scene = [
    dict(
        type='RandomResizedCrop',
        scale=view_size,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow'),
    *photometric,
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[t_scene]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='DigitScenesDataset',
        data_root='data/digit_scenes',
        split='train',
        pipeline=train_pipeline),
)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=5, max_keep_ckpts=2, save_best=None))
randomness = dict(seed=0)

# Quick start: ResNet-18 from scratch on the embedded DigitScenes data, on a
# CPU (about 4-5 minutes on 2 cores). The 128 px images are read at 64 px to
# fit that budget. python3 tools/train.py configs/quickstart/<this file>
_base_ = [
    '../_base_/datasets/digit_scenes.py',
    '../_base_/default_runtime.py',
]
max_epochs = 8
img_size = 64
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
val_dataloader = dict(dataset=dict(pipeline=pipeline))
test_dataloader = dict(dataset=dict(pipeline=pipeline))
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        num_classes=10,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
    ),
    backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead',
        num_classes=10,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True)),
)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4),
)
param_scheduler = dict(
    type='OneCycleLR',
    eta_max=2e-3,
    pct_start=0.2,
    by_epoch=True,
    begin=0,
    end=max_epochs,
    convert_to_iter_based=True,
)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=2)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(logger=dict(interval=20))
randomness = dict(seed=0)

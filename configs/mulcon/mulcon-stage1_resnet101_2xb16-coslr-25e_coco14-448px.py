# MulCon stage one (Dao et al., Neurocomputing 2023): BCE only, 25 epochs,
# AdamW 2e-4 (backbone 2e-5), warm-up + cosine as released, EMA 0.9997.
# Data: MS-COCO 2014 from the official instances_*2014.json, classes in COCO
# category-id order (not ML-GCN's alphabetical order: checkpoints of the
# two orders are not interchangeable). Same images and labels as the ML-GCN
# json (iscrowd annotations count in both).
# Train: RandomResizedCrop(0.875-1) -> flip -> RandAugment; test: squash
# resize. Then stage two:
#   mulcon-stage2_resnet101_2xb12-2view-steplr-15e_coco14-448px.py
_base_ = [
    '../_base_/datasets/coco14_448.py',
    '../_base_/models/mulcon_resnet101.py',
    '../_base_/schedules/mulcon_adamw_coslr_25e.py',
    '../_base_/pipelines/mulcon_randaug.py',
    '../_base_/default_runtime.py',
]
img_size = 448
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=img_size,
        crop_ratio_range=(0.875, 1.0),
        aspect_ratio_range=(3 / 4, 4 / 3),
        backend='pillow',
        interpolation='bilinear'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    {{_base_.randaugment}},
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size), backend='pillow'),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
# 2 GPUs x 16 images (the reference's per-GPU BN batch), incomplete batches
# dropped as released.
train_dataloader = dict(
    batch_size=16, drop_last=True, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=32, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
# Keep epochs 5, 10, 15, 20, 25: stage two starts from epoch 15's EMA.
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=-1))

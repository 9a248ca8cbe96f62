# MulCon stage two (Dao et al., Neurocomputing 2023): from the stage-one
# EMA, BCE over two views + 0.5 x label-level contrastive loss, SGD 0.01
# (backbone and attention 1e-3), 15 epochs, EMA 0.9997, evaluated on the EMA.
# Data: MS-COCO 2014 in ML-GCN's json format (category.json, train_anno.json,
# val_anno.json: 82,081 / 40,137 images), classes in ML-GCN's alphabetical
# order, as the released code reads them. Paper: 84.9 mAP after stage two.
_base_ = [
    '../_base_/datasets/mlgcn_coco14_448.py',
    '../_base_/models/mulcon_resnet101_stage2.py',
    '../_base_/schedules/mulcon_sgd_steplr_15e.py',
    '../_base_/pipelines/mulcon_randaug.py',
    '../_base_/default_runtime.py',
]
img_size = 448
# The stage-one EMA of epoch 15 (the released choice; epoch 25 is the end of
# stage one): --cfg-options model.stage_one_checkpoint=PATH for another.
stage_one_checkpoint = ('work_dirs/mulcon-stage1_resnet101_2xb16-coslr-25e_'
                        'coco14-mlgcn-448px/epoch_15.pth')
model = dict(stage_one_checkpoint=stage_one_checkpoint)
# Each view: squash-resize (no crop), flip, RandAugment.
view_pipeline = [
    dict(type='Resize', scale=(img_size, img_size), backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    {{_base_.randaugment}},
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
# 2 GPUs x 12 images = 24 views per GPU, [view 1; view 2] of the same images
# on each GPU; the contrastive loss is gathered over both GPUs. The
# multi-view preprocessor takes default_collate's stacked batch.
train_dataloader = dict(
    batch_size=12,
    drop_last=True,
    collate_fn=dict(type='default_collate'),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    collate_fn=dict(type='default_collate'),
    dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

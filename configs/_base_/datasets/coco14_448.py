# MS-COCO 2014 multi-label: 82,081 train / 40,137 val images (images without
# annotations dropped), 80 classes in COCO category-id order. Published
# ML-GCN-style checkpoints use the alphabetical order: set
# class_order='alphabetical' on both datasets to evaluate those.
dataset_type = 'COCODataset'
data_root = 'data/coco'
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
             'scale_factor', 'flip', 'flip_direction')

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(448, 448)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(448, 448)),
    dict(type='PackInputs', meta_keys=meta_keys),
]

train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_train2014.json',
        data_prefix=dict(img_path='train2014'),
        pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_val2014.json',
        data_prefix=dict(img_path='val2014'),
        test_mode=True,
        pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='MLCMetric')
test_evaluator = val_evaluator

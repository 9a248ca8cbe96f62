# PASCAL VOC 2012 (devkit layout), 448 x 448, train on train, test on val
# (the VOC2012 test labels are not public). Any id list works as ann_file,
# e.g. 'ImageSets/Segmentation/train_aug.txt' (one image id per line).
# Difficult objects: counted as positives for training (as SALGL and MulCon
# do); ignored in evaluation by the VOC protocol (gt_label_difficult).
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
             'scale_factor', 'flip', 'flip_direction', 'gt_label_difficult')

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
        ann_file='ImageSets/Main/train.txt',
        difficult_as_positive=True,
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
        ann_file='ImageSets/Main/val.txt',
        difficult_as_positive=False,
        test_mode=True,
        pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='MLCMetric')
test_evaluator = val_evaluator

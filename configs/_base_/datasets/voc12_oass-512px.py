# PASCAL VOC 2012 for OASS stage 1, Protocol A (the Puzzle-CAM codebase's):
# train on train_aug (10,582 SBD-augmented ids), evaluate on the
# segmentation val (1,449). Protocol B
# (classification train 5,717 / val 5,823) is voc12cls in the leaf names.
# train_aug + classification val leaks (SBD holds VOC2011 trainval images);
# SplitHygieneHook (schedule base) stops such a run before training.
# Training view (Puzzle-CAM): long side uniform in [320, 640] (bicubic),
# horizontal flip, random 512 x 512 crop padded with the mean colour (BGR
# here, normalised to 0 by the data preprocessor). Difficult objects are
# positives for training, ignored in evaluation (VOC protocol).
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
crop_size = 512
mean_bgr = (103.53, 116.28, 123.675)
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
             'scale_factor', 'flip', 'flip_direction', 'gt_label_difficult')

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResize',
        scale=(640, 640),
        ratio_range=(0.5, 1.0),
        keep_ratio=True,
        resize_type='Resize',
        interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandomCrop',
        crop_size=crop_size,
        pad_if_needed=True,
        pad_val=mean_bgr),
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(crop_size, crop_size)),
    dict(
        type='PackInputs',
        algorithm_keys=('gt_bboxes', 'gt_bboxes_labels'),
        meta_keys=meta_keys),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Segmentation/train_aug.txt',
        difficult_as_positive=True,
        pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Segmentation/val.txt',
        difficult_as_positive=False,
        test_mode=True,
        pipeline=test_pipeline),
)
test_dataloader = val_dataloader
# The OASS leaves add CAMmIoU and CAMCorLoc (the test pipeline packs the
# boxes CorLoc needs).
val_evaluator = dict(type='MLCMetric')
test_evaluator = val_evaluator

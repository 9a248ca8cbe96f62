# OpenImages OHMS (object-aware cropping, Mishra et al. TMLR'22): labels from
# images_selected_new.npy (train) / images_selected_test_40k.npy (test), the
# label space always built from the train dict, GT boxes from
# images_selected_with_all_features.npy. Images as <ImageID>.jpg.
dataset_type = 'OpenImagesOHMSDataset'
data_root = 'data/openimages'
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
             'scale_factor', 'flip', 'flip_direction')

train_pipeline = [
    # Boxes are in the JPEG's stored frame (as the reference reads it).
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs', meta_keys=meta_keys),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='images_selected_new.npy',
        label_file='images_selected_new.npy',
        box_file='images_selected_with_all_features.npy',
        data_prefix=dict(img_path='all_images'),
        pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='images_selected_test_40k.npy',
        label_file='images_selected_new.npy',
        data_prefix=dict(img_path='test'),
        test_mode=True,
        pipeline=test_pipeline),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='MLCMetric')
test_evaluator = val_evaluator

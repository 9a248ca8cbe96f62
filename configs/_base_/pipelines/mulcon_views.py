# MulCon's 448-px pipelines and loader settings (Dao et al., Neurocomputing
# 2023; the released recipe as docs/reference/mulcon.md lists it), shared by
# the ResNet-101 leaves of configs/mulcon. The names are mulcon_* because the
# dataset base of a leaf owns train_pipeline, test_pipeline and the loaders
# (mmengine refuses one key in two bases); each leaf ends these pipelines with
# its dataset's PackInputs (that base's meta_keys) and sets them on the
# loaders. mulcon_views-576px.py is the same at 576 px.
_base_ = ['./mulcon_randaug.py']
img_size = 448
mulcon_load = dict(type='LoadImageFromFile')
mulcon_crop = dict(
    type='RandomResizedCrop',
    scale=img_size,
    crop_ratio_range=(0.875, 1.0),
    aspect_ratio_range=(3 / 4, 4 / 3),
    backend='pillow',
    interpolation='bilinear')
mulcon_squash = dict(
    type='Resize', scale=(img_size, img_size), backend='pillow')
# What every training view gets after its crop or resize.
mulcon_augment = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    _base_.randaugment,
]
# Stage one: RandomResizedCrop of 87.5-100 % of the image, flip,
# RandAugment.
mulcon_one_view_pipeline = [mulcon_load, mulcon_crop, *mulcon_augment]
# Stage two: two views per image, each squash-resized (no crop), flipped and
# RandAugmented.
mulcon_two_view_pipeline = [
    mulcon_load,
    dict(
        type='MultiView',
        num_views=2,
        transforms=[[mulcon_squash, *mulcon_augment]]),
]
# Evaluation: squash-resize.
mulcon_test_pipeline = [mulcon_load, mulcon_squash]
# Stage one: 2 GPUs x 16 images (the reference's per-GPU BN batch; the
# dataset bases' batch size), incomplete batches dropped as released.
mulcon_one_view_loader = dict(batch_size=16, drop_last=True)
# Stage two: 2 GPUs x 12 images = 24 views per GPU, [view 1; view 2] of the
# same images on each GPU; the contrastive loss is gathered over both GPUs.
# The multi-view preprocessor takes default_collate's stacked batch, in
# evaluation too.
mulcon_two_view_loader = dict(
    batch_size=12,
    drop_last=True,
    collate_fn=dict(type='default_collate'))
mulcon_two_view_val_loader = dict(collate_fn=dict(type='default_collate'))

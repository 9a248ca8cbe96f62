# SwAV's multi-crop views (Caron et al., NeurIPS 2020, Sec. 3.2), as GAELLE's
# reference reads its pretraining images (docs/reference/gaelle.md,
# "Multi-crop data"): 8 crops per image, 2 x RandomResizedCrop(224, scale
# 0.14-1) + 6 x RandomResizedCrop(96, scale 0.05-0.14), ratio 3/4-4/3, PIL
# bilinear; each crop then gets a horizontal flip p=0.5, colour jitter
# (0.8, 0.8, 0.8, 0.2) with p=0.8, grayscale p=0.2 and PIL Gaussian blur
# p=0.5 with radius ~ U(0.1, 2). Normalisation is the model's
# data_preprocessor (std[0] = 0.228, kept from SwAV). Images are BGR, as
# mmcv loads them. The dataset fragments (configs/_base_/datasets/
# *_swav-mcrop.py) put these views into their loaders.
num_crops = [2, 6]
# The view transforms' fast path (uint8 OpenCV, the same random draws;
# docs/benchmarks.md, Data pipeline throughput); False runs the plain
# PIL-backed code of mmpretrain / mmcv.
fast_views = True
swav_colour = [
    dict(
        type='RandomApply',
        prob=0.8,
        transforms=[
            # mmpretrain's ColorJitter overflows on negative hue (numpy 2).
            dict(
                type='FastColorJitter',
                brightness=0.8,
                contrast=0.8,
                saturation=0.8,
                hue=0.2,
                fast=fast_views)
        ]),
    dict(
        type='FastRandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989),
        fast=fast_views),
]
swav_blur = dict(
    type='FastGaussianBlur',
    magnitude_range=(0.1, 2.0),
    magnitude_std='inf',
    prob=0.5,
    fast=fast_views)
swav_photometric = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    *swav_colour,
    swav_blur,
]
global_view = [
    dict(
        type='FastRandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.14, 1.0),
        fast=fast_views),
    *swav_photometric,
]
local_view = [
    dict(
        type='FastRandomResizedCrop',
        scale=96,
        crop_ratio_range=(0.05, 0.14),
        fast=fast_views),
    *swav_photometric,
]
train_pipeline = [
    # The reference reads with PIL, which ignores EXIF orientation.
    dict(type='LoadImageFast', fast=fast_views),
    dict(
        type='MultiView',
        num_views=num_crops,
        transforms=[global_view, local_view]),
    dict(type='PackInputs'),
]
# The loader of every multi-crop pretraining: 64 images per GPU, the
# reference's drop_last (646 steps per epoch on COCO 2014 with 2 GPUs).
swav_loader = dict(
    batch_size=64,
    num_workers=10,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'))

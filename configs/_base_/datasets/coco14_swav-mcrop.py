# SwAV / GAELLE multi-crop pretraining data on MS-COCO 2014 train
# (methods/gaelle.md section 1): all 82,783 images of train2014 read as a flat
# list (labels unused, no dummy class folder), 8 crops per image:
# 2 x RandomResizedCrop(224, scale 0.14-1) + 6 x RandomResizedCrop(96, scale
# 0.05-0.14), ratio 3/4-4/3, PIL bilinear; each crop then gets a horizontal
# flip p=0.5, SwAV's colour distortion of strength s=1 (ColorJitter(0.8s,
# 0.8s, 0.8s, 0.2s) p=0.8, grayscale p=0.2) and PIL Gaussian blur p=0.5,
# radius ~ U(0.1, 2). Normalisation is the model's data_preprocessor
# (std[0] = 0.228 as SwAV). Batch 64 per GPU, drop_last (646 steps per epoch
# on 2 GPUs).
data_root = 'data/coco'
num_crops = [2, 6]
colour_strength = 1.0
# Images in BGR as mmcv loads them.
swav_photometric = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(
        type='RandomApply',
        prob=0.8,
        transforms=[
            # mmpretrain's ColorJitter overflows on negative hue (numpy 2).
            dict(
                type='ColorJitterFixedHue',
                brightness=0.8 * colour_strength,
                contrast=0.8 * colour_strength,
                saturation=0.8 * colour_strength,
                hue=0.2 * colour_strength)
        ]),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
    dict(
        type='GaussianBlur',
        magnitude_range=(0.1, 2.0),
        magnitude_std='inf',
        prob=0.5),
]
global_view = [
    dict(
        type='BoxAwareRandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.14, 1.0)),
    *swav_photometric,
]
local_view = [
    dict(
        type='BoxAwareRandomResizedCrop',
        scale=96,
        crop_ratio_range=(0.05, 0.14)),
    *swav_photometric,
]
train_pipeline = [
    # The reference reads with PIL, which ignores EXIF orientation.
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(
        type='MultiView',
        num_views=num_crops,
        transforms=[global_view, local_view]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=10,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CustomDataset',
        data_root=data_root,
        data_prefix='train2014',
        with_label=False,
        pipeline=train_pipeline),
)

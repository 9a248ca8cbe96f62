# SwAV / GAELLE multi-crop pretraining data on the embedded DigitScenes
# (3,000 train images of 128 px, labels unused), scaled for a CPU run:
# 2 x 64 px (scale 0.14-1) + 6 x 32 px (scale 0.05-0.14), i.e. SwAV's crop
# scales with the sizes divided by 3.5, blur radius ~ U(0.03, 0.57) (SwAV's
# U(0.1, 2) at 224 px scaled the same way), no flip (a mirrored digit is
# another glyph), colour distortion as SwAV. Batch 64, drop_last (46 steps
# per epoch).
data_root = 'data/digit_scenes'
num_crops = [2, 6]
global_size, local_size = 64, 32
swav_photometric = [
    dict(
        type='RandomApply',
        prob=0.8,
        transforms=[
            dict(
                type='ColorJitterFixedHue',
                brightness=0.8,
                contrast=0.8,
                saturation=0.8,
                hue=0.2)
        ]),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
    dict(
        type='GaussianBlur',
        magnitude_range=(0.03, 0.57),
        magnitude_std='inf',
        prob=0.5),
]
global_view = [
    dict(
        type='BoxAwareRandomResizedCrop',
        scale=global_size,
        crop_ratio_range=(0.14, 1.0)),
    *swav_photometric,
]
local_view = [
    dict(
        type='BoxAwareRandomResizedCrop',
        scale=local_size,
        crop_ratio_range=(0.05, 0.14)),
    *swav_photometric,
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiView',
        num_views=num_crops,
        transforms=[global_view, local_view]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='DigitScenesDataset',
        data_root=data_root,
        split='train',
        pipeline=train_pipeline),
)

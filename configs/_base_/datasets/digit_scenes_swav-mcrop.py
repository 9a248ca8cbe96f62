# SwAV / GAELLE multi-crop pretraining data on the embedded DigitScenes
# (3,000 train images of 128 px, labels unused), scaled for a CPU run:
# SwAV's views (configs/_base_/pipelines/swav_mcrop.py) at 2 x 64 px +
# 6 x 32 px (the sizes divided by 3.5, the same area scales), blur radius
# ~ U(0.03, 0.57) (U(0.1, 2) at 224 px scaled the same way), no flip (a
# mirrored digit is another glyph). Batch 64, drop_last (46 steps per
# epoch), 2 workers.
_base_ = ['../pipelines/swav_mcrop.py']
data_root = 'data/digit_scenes'
global_size, local_size = 64, 32
swav_photometric = [
    *_base_.swav_colour,
    dict(_base_.swav_blur, magnitude_range=(0.03, 0.57)),
]
global_view = [
    dict(_base_.global_view[0], scale=global_size),
    *swav_photometric,
]
local_view = [
    dict(_base_.local_view[0], scale=local_size),
    *swav_photometric,
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiView',
        num_views=_base_.num_crops,
        transforms=[global_view, local_view]),
    dict(type='PackInputs'),
]
swav_loader = dict(_base_.swav_loader, num_workers=2, pin_memory=False)
train_dataloader = dict(
    **swav_loader,
    dataset=dict(
        type='DigitScenesDataset',
        data_root=data_root,
        split='train',
        pipeline=train_pipeline))

# DigitScenes for OASS stage 1: the embedded dataset (built on first use,
# no download) at 64 px, as the other DigitScenes recipes (2 CPU cores),
# with the OASS training view scaled to it: long side uniform in [40, 80]
# of the 128-px image, random 64 x 64 crop padded with the mean colour. No
# flip (a mirrored digit is another glyph). Evaluation at 64 px; the digit
# boxes are packed (rescaled with the image) for the OASS leaves' CorLoc.
_base_ = ['./digit_scenes.py']
crop_size = 64
mean_bgr = (103.53, 116.28, 123.675)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResize',
        scale=(80, 80),
        ratio_range=(0.5, 1.0),
        keep_ratio=True,
        resize_type='Resize',
        interpolation='bicubic'),
    dict(
        type='RandomCrop',
        crop_size=crop_size,
        pad_if_needed=True,
        pad_val=mean_bgr),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(crop_size, crop_size)),
    dict(
        type='PackInputs',
        algorithm_keys=('gt_bboxes', 'gt_bboxes_labels'),
        meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(
    batch_size=8, drop_last=True, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

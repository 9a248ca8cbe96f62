# MoCo-v2 two-view pipelines of Object-aware cropping (Mishra et al., TMLR
# 2022) at 224 px, on BGR images as mmcv loads them. The crop
# arithmetic and the reference's quirks: docs/reference/
# object_aware_cropping.md. A pretraining config picks one of
#   scene_pipeline            Scene-Scene, the MoCo-v2 baseline
#   objobj_pipeline           Object-Object+Dilate 0.2, clean crops
#   objobj_faithful_pipeline  the same with the reference's crop arithmetic
#   separated_pipeline        random separated crops, the paper's baseline
# and a dataset base (../datasets/*_mocov2.py) adds its dataset to the
# loader below.
view_size = 224
# The view transforms' fast path (uint8 OpenCV, the same random draws;
# docs/benchmarks.md, Data pipeline throughput); False runs the plain
# PIL-backed code of mmpretrain / mmcv.
fast_views = True
# MoCo-v2 "aug-plus" after the crop: ColorJitter(0.4, 0.4, 0.4, 0.1) p=0.8,
# grayscale p=0.2, blur sigma ~ U[0.1, 2] p=0.5, horizontal flip p=0.5.
color_jitter = dict(
    type='RandomApply',
    prob=0.8,
    transforms=[
        # mmpretrain's ColorJitter overflows on a negative hue (numpy 2).
        dict(
            type='FastColorJitter',
            brightness=0.4,
            contrast=0.4,
            saturation=0.4,
            hue=0.1,
            fast=fast_views)
    ])
grayscale = dict(
    type='FastRandomGrayscale',
    prob=0.2,
    keep_channels=True,
    channel_weights=(0.114, 0.587, 0.2989),
    fast=fast_views)
blur = dict(
    type='FastGaussianBlur',
    magnitude_range=(0.1, 2.0),
    magnitude_std='inf',
    prob=0.5,
    fast=fast_views)
flip = dict(type='RandomFlip', prob=0.5, direction='horizontal')
photometric = [color_jitter, grayscale, blur, flip]

# T_scene: RandomResizedCrop(224, scale (0.2, 1)), PIL bilinear.
t_scene = [
    dict(
        type='FastRandomResizedCrop',
        scale=view_size,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow',
        fast=fast_views),
    *photometric,
]
# T_obj, the object crop's view: scale (0.2, 1) like T_scene (clean); the
# reference draws the area from (0, 1) (faithful).
t_obj = [dict(t_scene[0]), *photometric]
t_obj_faithful = [dict(t_scene[0], crop_ratio_range=(0.0, 1.0)), *photometric]
# T_fix: the whole crop resized to the view, no random crop.
t_fix = [dict(type='Resize', scale=(view_size, view_size)), *photometric]

# Object crop C0 and dilated object crop (dilation 0.2) of the same box.
object_view = [dict(type='ObjectCrop', dilation=0.0, faithful=False), *t_obj]
dilated_view = [
    dict(type='ObjectCrop', dilation=0.2, faithful=False), *t_scene
]
object_view_faithful = [dict(object_view[0], faithful=True), *t_obj_faithful]
dilated_view_faithful = [dict(dilated_view[0], faithful=True), *t_scene]

# Boxes, proposals and the reference use the stored frame (PIL, no EXIF).
load = dict(type='LoadImageFast', fast=fast_views)
select_box = dict(type='SelectObjectBox', box_source='gt')
# Either crop is the query (the first view) half of the time.
view_swap = dict(type='RandomViewSwap', prob=0.5)
scene_pipeline = [
    load,
    dict(type='MultiView', num_views=2, transforms=[t_scene]),
    dict(type='PackInputs'),
]
objobj_pipeline = [
    load,
    select_box,
    dict(
        type='MultiView',
        num_views=[1, 1],
        transforms=[object_view, dilated_view]),
    view_swap,
    dict(type='PackInputs'),
]
objobj_faithful_pipeline = [
    *objobj_pipeline[:2],
    dict(
        objobj_pipeline[2],
        transforms=[object_view_faithful, dilated_view_faithful]),
    *objobj_pipeline[3:],
]
# Two squares 80 px apart (partner first), T_fix on each, no swap.
separated_crops = dict(type='RandomSeparatedCrops', radius=80, crop_size=224)
separated_pipeline = [
    load,
    separated_crops,
    dict(
        type='MultiView',
        num_views=[1, 1],
        transforms=[[dict(type='ViewBoxCrop', index=0), *t_fix],
                    [dict(type='ViewBoxCrop', index=1), *t_fix]]),
    dict(type='PackInputs'),
]

# MoCo-v2's loader: a global batch of 128 (lr 0.015 is for it), the last
# partial batch dropped (the queue length is a multiple of the batch), views
# stacked by default_collate; no validation during pretraining.
train_dataloader = dict(
    batch_size=128,
    num_workers=16,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(pipeline=scene_pipeline),
)

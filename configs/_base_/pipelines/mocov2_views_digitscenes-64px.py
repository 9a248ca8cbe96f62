# The views of mocov2_views.py for DigitScenes's 128-px images: 64-px
# views, blur sigma U[0.1, 2] px at 224 px scaled to 64 px, no flip (a
# mirrored digit is another glyph), images read as stored, and object crops
# of at least 32 px with 16 px of context per side (the paper's 224 / 112 on
# ~1024 x 768 photos, scaled to the image). Same pipeline names.
_base_ = ['./mocov2_views.py']
view_size = 64
blur = dict(_base_.blur, magnitude_range=(0.03, 0.57))
photometric = [_base_.color_jitter, _base_.grayscale, blur]
t_scene = [dict(_base_.t_scene[0], scale=view_size), *photometric]
t_obj = [dict(t_scene[0]), *photometric]
t_fix = [dict(type='Resize', scale=(view_size, view_size)), *photometric]
crop_sizes = dict(min_size=32, expand=16)
object_view = [dict(_base_.object_view[0], **crop_sizes), *t_obj]
dilated_view = [dict(_base_.dilated_view[0], **crop_sizes), *t_scene]
t_obj_faithful = [dict(t_scene[0], crop_ratio_range=(0.0, 1.0)), *photometric]
object_view_faithful = [dict(object_view[0], faithful=True), *t_obj_faithful]
dilated_view_faithful = [dict(dilated_view[0], faithful=True), *t_scene]
load = dict(type='LoadImageFromFile')
# Squares of 48 px, 17 px apart: the paper's 80 / 224 ratio.
separated_crops = dict(_base_.separated_crops, radius=17, crop_size=48)
scene_pipeline = [load, dict(_base_.scene_pipeline[1], transforms=[t_scene]),
                  *_base_.scene_pipeline[2:]]
objobj_pipeline = [
    load, _base_.select_box,
    dict(_base_.objobj_pipeline[2], transforms=[object_view, dilated_view]),
    *_base_.objobj_pipeline[3:]
]
objobj_faithful_pipeline = [
    *objobj_pipeline[:2],
    dict(
        objobj_pipeline[2],
        transforms=[object_view_faithful, dilated_view_faithful]),
    *objobj_pipeline[3:],
]
separated_pipeline = [
    load, separated_crops,
    dict(
        _base_.separated_pipeline[2],
        transforms=[[dict(type='ViewBoxCrop', index=0), *t_fix],
                    [dict(type='ViewBoxCrop', index=1), *t_fix]]),
    *_base_.separated_pipeline[3:]
]
# Batch 64 (46 steps an epoch on 3,000 images), two loader workers.
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    pin_memory=False,
    dataset=dict(pipeline=scene_pipeline))

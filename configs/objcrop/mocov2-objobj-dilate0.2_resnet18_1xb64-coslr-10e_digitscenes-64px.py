# MoCo-v2 Object-Object+Dilate 0.2 on DigitScenes with ground-truth digit
# boxes: the object-aware crops in miniature, same model, schedule and
# steps as the scene config (per-image unit: a random digit per visit).
# Crop sizes scaled to the 128-px images: min_size 32, expand 16 (224 /
# 112 on ~1024 x 768 OpenImages photos); clean crop arithmetic (set
# `faithful = True` for the reference's).
#   python tools/train.py configs/objcrop/<this file>
_base_ = ['./mocov2-scene_resnet18_1xb64-coslr-10e_digitscenes-64px.py']
faithful = False
dilation = 0.2
view_size = 64
min_size, expand = 32, 16
obj_crop_ratio = (0.0, 1.0) if faithful else (0.2, 1.0)
object_view = [
    dict(
        type='ObjectCrop',
        dilation=0.0,
        faithful=faithful,
        min_size=min_size,
        expand=expand),
    dict(
        type='RandomResizedCrop',
        scale=view_size,
        crop_ratio_range=obj_crop_ratio,
        backend='pillow'),
    dict(type='Compose', transforms={{_base_.photometric}}),
]
dilated_view = [
    dict(
        type='ObjectCrop',
        dilation=dilation,
        faithful=faithful,
        min_size=min_size,
        expand=expand),
    dict(type='Compose', transforms={{_base_.t_scene}}),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='SelectObjectBox', box_source='gt'),
    dict(
        type='MultiView',
        num_views=[1, 1],
        transforms=[object_view, dilated_view]),
    dict(type='RandomViewSwap', prob=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

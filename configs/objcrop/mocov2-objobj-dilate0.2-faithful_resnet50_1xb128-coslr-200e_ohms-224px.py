# Paper reproduction of Object-aware cropping's OHMS run (README command,
# `--bing_crops`, which uses GROUND-TRUTH boxes): MoCo-v2 Object-Object+
# Dilate 0.2, one sample per object, the reference's crop arithmetic
# (faithful=True: origin-scaled unclipped dilation, black padding outside
# the image, the 224-px expansion cases, T_obj scale (0, 1)), 200 epochs.
# Expected linear-probe mAP: 58.6 (the reference's batch-averaged metric,
# ref-batch-mAP_B256) vs 49.8 for the scene baseline.
_base_ = [
    './mocov2-objobj-dilate0.2-perobject_resnet50_1xb128-coslr-200e_ohms-224px.py'
]
faithful = True
obj_crop_ratio = (0.0, 1.0)
object_view = [
    dict(type='ObjectCrop', dilation=0.0, faithful=True),
    dict(
        type='RandomResizedCrop',
        scale=224,
        crop_ratio_range=obj_crop_ratio,
        backend='pillow'),
    dict(type='Compose', transforms={{_base_.photometric}}),
]
dilated_view = [
    dict(type='ObjectCrop', dilation=0.2, faithful=True),
    dict(type='Compose', transforms={{_base_.t_scene}}),
]
train_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='SelectObjectBox', box_source='gt'),
    dict(
        type='MultiView',
        num_views=[1, 1],
        transforms=[object_view, dilated_view]),
    dict(type='RandomViewSwap', prob=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))

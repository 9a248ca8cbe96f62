# MoCo-v2 Object-Object+Dilate 0.2 on MS-COCO 2014 train with GROUND-TRUTH
# boxes (crowd boxes included), the OHMS recipe of Object-aware cropping
# (spec 4.2) on COCO: view A = T_obj(object crop), view B = T_scene(crop
# dilated by 0.2), random order, one random box per image visit (per-image
# unit, same steps as the scene baseline). Clean crop arithmetic; set
# `faithful = True` in a copy for the reference's OpenImages arithmetic.
# (The reference's unused COCO loader, spec 4.8, differed: both views
# T_scene, proposals, right/bottom clipping only.)
_base_ = ['./mocov2-objobj-dilate0.2_resnet50_1xb128-coslr-200e_ohms-224px.py']
data_root = 'data/coco'
train_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='SelectObjectBox', box_source='gt'),
    dict(
        type='MultiView',
        num_views=[1, 1],
        transforms=[{{_base_.object_view}}, {{_base_.dilated_view}}]),
    dict(type='RandomViewSwap', prob=0.5),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='COCODataset',
        data_root=data_root,
        ann_file='annotations/instances_train2014.json',
        data_prefix=dict(img_path='train2014'),
        pipeline=train_pipeline))

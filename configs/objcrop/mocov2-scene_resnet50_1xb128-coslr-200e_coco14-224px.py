# MoCo-v2 Scene-Scene baseline on MS-COCO 2014 train (82,081 images with
# annotations; labels unused), the recipe of Object-aware cropping (spec 1):
# 200 epochs, batch 128, lr 0.015, cosine.
#   python tools/train.py configs/objcrop/<this file>
# Then linear-probe_resnet50_8xb32-steplr-100e_coco14-224px.py.
_base_ = ['./mocov2-scene_resnet50_1xb128-coslr-200e_ohms-224px.py']
data_root = 'data/coco'
train_pipeline = [
    # COCO boxes are in the stored frame (PIL / pycocotools, no EXIF).
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='MultiView', num_views=2, transforms=[{{_base_.t_scene}}]),
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

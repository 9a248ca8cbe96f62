# SALGL, ResNet-101 at 576 px on MS-COCO 2014 (paper mAP 87.3; exp6 of the
# reference: the 448 recipe with S = 576, 18 x 18 = 324 tokens; nothing else
# about it was released). Same embeddings and backbone file as the 448 px
# config.
_base_ = ['./salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py']
img_size = 576
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size), backend='pillow'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Cutout', shape=img_size // 2, pad_val=128, prob=1.0),
    {{_base_.randaugment}},
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size), backend='pillow'),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

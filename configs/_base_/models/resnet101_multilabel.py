# ResNet-101 + global average pooling + multi-label linear head (BCE).
# The backbone starts from ImageNet weights given as a LOCAL file (nothing
# downloads): convert torchvision's with
#   python tools/model_converters/torchvision_resnet_to_mmpretrain.py \
#       resnet101-63fe2227.pth checkpoints/resnet101_tv_mmpretrain.pth
# or set model.backbone.init_cfg=None to train from scratch.
pretrained = 'checkpoints/resnet101_tv_mmpretrain.pth'
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        num_classes=80,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
    ),
    backbone=dict(
        type='ResNet',
        depth=101,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch',
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead',
        num_classes=80,
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    ),
)

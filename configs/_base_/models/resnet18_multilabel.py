# ResNet-18 from scratch (mmpretrain's default initialisation) + global
# average pooling + multi-label linear head (mean BCE), for the 10 classes of
# the embedded DigitScenes data: the quick start's model.
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        num_classes=10,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
    ),
    backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead',
        num_classes=10,
        in_channels=512,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True)),
)

# The multi-label linear classifier without its backbone: images to RGB and
# normalised by ImageNet's mean and std, global average pooling, and
# mmpretrain's MultiLabelLinearClsHead with mean BCE (CrossEntropyLoss with
# use_sigmoid). resnet101_multilabel.py and resnet18_multilabel.py add the
# backbone, the class count and the head's input channels.
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
    ),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead',
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True)),
)

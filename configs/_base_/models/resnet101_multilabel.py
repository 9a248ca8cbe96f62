# ResNet-101 from ImageNet weights (resnet101_backbone.py: a local file, see
# there) + global average pooling + multi-label linear head (BCE), for the 80
# classes of MS-COCO; a config on another dataset sets
# data_preprocessor.num_classes and head.num_classes.
_base_ = ['./multilabel_linear.py', './resnet101_backbone.py']
model = dict(
    data_preprocessor=dict(num_classes=80),
    backbone=_base_.resnet101_backbone,
    head=dict(num_classes=80, in_channels=2048, loss=dict(loss_weight=1.0)),
)

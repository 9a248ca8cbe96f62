# ResNet-18 from scratch (mmpretrain's default initialisation) + global
# average pooling + multi-label linear head (mean BCE), for the 10 classes of
# the embedded DigitScenes data: the quick start's model.
_base_ = ['./multilabel_linear.py']
model = dict(
    data_preprocessor=dict(num_classes=10),
    backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
    head=dict(num_classes=10, in_channels=512),
)

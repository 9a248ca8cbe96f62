# ResNet-101 + multi-label linear head, Asymmetric Loss (Ridnik et al.,
# ICCV'21: gamma- 4, gamma+ 0, clip 0.05), VOC 2007 at 448 x 448.
_base_ = [
    '../_base_/models/resnet101_multilabel_asl.py',
    '../_base_/datasets/voc07_448.py',
    '../_base_/schedules/adamw_onecycle_40e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    data_preprocessor=dict(num_classes=20), head=dict(num_classes=20))

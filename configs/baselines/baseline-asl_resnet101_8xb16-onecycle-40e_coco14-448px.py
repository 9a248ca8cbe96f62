# ResNet-101 + multi-label linear head, Asymmetric Loss (Ridnik et al.,
# ICCV'21: gamma- 4, gamma+ 0, clip 0.05), COCO 2014 at 448 x 448.
# 8 GPUs x 16 images = 128 per step.
_base_ = [
    '../_base_/models/resnet101_multilabel_asl.py',
    '../_base_/datasets/coco14_448.py',
    '../_base_/schedules/adamw_onecycle_40e.py',
    '../_base_/default_runtime.py',
]

# OASS stage 1 (full: L_cls + L_pcls + alpha(t) L_re on object-aware tiles
# + L_tile), ResNet-101, VOC 2012 Protocol A: train_aug -> seg val (mAP,
# CAM mIoU, CorLoc). 4 GPUs x 8, 15 epochs (T = 4,950 iterations).
#   tools/dist_train.sh configs/oass/<this file> 4
_base_ = [
    '../_base_/datasets/voc12_oass-512px.py',
    '../_base_/models/oass_resnet101.py',
    '../_base_/schedules/oass_sgd_poly_15e.py',
    '../_base_/default_runtime.py',
]
val_evaluator = [
    dict(type='MLCMetric'),
    dict(
        type='CAMmIoU',
        seg_dir='data/VOCdevkit/VOC2012/SegmentationClass'),
    dict(type='CAMCorLoc'),
]
test_evaluator = val_evaluator
# The last checkpoint is the result: no selection on the evaluation split.
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_best=None))

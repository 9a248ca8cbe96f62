# OASS stage 1 (full), ResNet-101, VOC 2012 Protocol B: classification
# train (5,717) -> classification val (5,823), mAP and CorLoc (the val
# split has no masks for most images, so no CAM mIoU). T = 2,670.
#   tools/dist_train.sh configs/oass/<this file> 4
_base_ = [
    '../_base_/datasets/voc12-cls_oass-512px.py',
    '../_base_/models/oass_resnet101.py',
    '../_base_/schedules/oass_sgd_poly_15e.py',
    '../_base_/default_runtime.py',
]
# The last checkpoint is the result: no selection on the evaluation split.
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_best=None))

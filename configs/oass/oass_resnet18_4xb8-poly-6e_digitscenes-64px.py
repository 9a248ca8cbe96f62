# OASS stage 1 (full) on the embedded DigitScenes, sized for 2 CPU cores: a
# quarter-width ResNet-18 (base 16 channels) from random init (nothing
# downloads) at output stride 8 (strides 1, 2, 1, 1), so 64-px crops give
# the same 8 x 8 class maps as 128-px crops at stride 16; 4 processes x 8,
# 6 epochs, lr 0.1 poly, the VOC recipe's losses and multipliers.
#   tools/dist_train.sh configs/oass/<this file> 4
#   python tools/train.py configs/oass/<this file>     # one process
_base_ = [
    '../_base_/datasets/digit_scenes_oass-64px.py',
    '../_base_/models/oass_resnet101.py',
    '../_base_/schedules/oass_sgd_poly_15e.py',
    '../_base_/default_runtime.py',
]
num_classes = 10
max_epochs = 6
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(
        depth=18,
        base_channels=16,
        stem_channels=16,
        strides=(1, 2, 1, 1),
        init_cfg=None),
    head=dict(num_classes=num_classes, in_channels=128),
    stride=8)  # tiles in place, a 1-cell gap (tile_canvas='separated')
val_evaluator = [dict(type='MLCMetric'), dict(type='CAMCorLoc')]
test_evaluator = val_evaluator
train_dataloader = dict(num_workers=1)
val_dataloader = dict(num_workers=1)
test_dataloader = dict(num_workers=1)
param_scheduler = [dict(_base_.param_scheduler[0], end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)

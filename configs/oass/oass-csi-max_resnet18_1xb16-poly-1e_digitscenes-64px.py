# OASS stage 5, row 6 of the ablation: full OASS + CSI training, max fusion
# of the image and its test-time CSI, on the embedded DigitScenes for 2 CPU
# cores: the stage-1 DigitScenes network (quarter-width ResNet-18, output
# stride 8), 64-px images with 32-px instances, 1 epoch of batch 16, one
# process.
#   python tools/train.py configs/oass/<this file>
# Made first (configs/oass/README.md, "Stage 5"):
# 1. the stage-1 checkpoint:
#      python tools/train.py \
#          configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py
# 2. the labelled CAM boxes of the train split:
#      python tools/oass/make_cams.py \
#          configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py \
#          work_dirs/oass_resnet18_4xb8-poly-6e_digitscenes-64px/epoch_6.pth \
#          --split train --batch-size 32 \
#          --out-dir work_dirs/oass_cams/digitscenes_train
#      python tools/oass/make_csi.py \
#          configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py \
#          work_dirs/oass_cams/digitscenes_train --split train \
#          --out work_dirs/oass_cams/digitscenes_train_boxes.npz
_base_ = [
    '../_base_/datasets/digit_scenes_csi-64px.py',
    '../_base_/models/oass_csi_resnet101.py',
    '../_base_/schedules/oass_csi_sgd_poly_20e.py',
    '../_base_/default_runtime.py',
]
stage1_checkpoint = \
    'work_dirs/oass_resnet18_4xb8-poly-6e_digitscenes-64px/epoch_6.pth'
csi_file = 'work_dirs/oass_cams/digitscenes_train_boxes.npz'
num_classes = 10
max_epochs = 1
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(
        depth=18, base_channels=16, stem_channels=16, strides=(1, 2, 1, 1)),
    head=dict(num_classes=num_classes, in_channels=128),
    fusion='max',
    instance_size=32,
    init_cfg=dict(type='Pretrained', checkpoint=stage1_checkpoint))
train_dataloader = dict(num_workers=1, dataset=dict(proposal_file=csi_file))
val_dataloader = dict(num_workers=1)
test_dataloader = dict(num_workers=1)
param_scheduler = [dict(_base_.param_scheduler[0], end=max_epochs)]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)

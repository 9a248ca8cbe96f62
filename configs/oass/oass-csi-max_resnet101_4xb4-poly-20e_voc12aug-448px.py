# OASS stage 5, row 6 of the ablation: full OASS + CSI training, max fusion
# of the image and its test-time CSI; ResNet-101, VOC 2012 Protocol A
# (train_aug -> seg val). 4 GPUs x 4 images (each with up to 8 instances),
# 20 epochs.
#   tools/dist_train.sh configs/oass/<this file> 4
# Made first (configs/oass/README.md, "Stage 5"):
# 1. the stage-1 checkpoint (stage1_checkpoint below):
#      tools/dist_train.sh \
#          configs/oass/oass_resnet101_4xb8-poly-15e_voc12aug-512px.py 4
# 2. the labelled CAM boxes of the train split (csi_file):
#      python tools/oass/make_cams.py \
#          configs/oass/oass_resnet101_4xb8-poly-15e_voc12aug-512px.py \
#          work_dirs/oass_resnet101_4xb8-poly-15e_voc12aug-512px/epoch_15.pth \
#          --split train \
#          --out-dir work_dirs/oass_cams/voc12aug_train
#      python tools/oass/make_csi.py \
#          configs/oass/oass_resnet101_4xb8-poly-15e_voc12aug-512px.py \
#          work_dirs/oass_cams/voc12aug_train --split train \
#          --out work_dirs/oass_cams/voc12aug_train_boxes.npz
_base_ = [
    '../_base_/datasets/voc12_csi-448px.py',
    '../_base_/models/oass_csi_resnet101.py',
    '../_base_/schedules/oass_csi_sgd_poly_20e.py',
    '../_base_/default_runtime.py',
]
stage1_checkpoint = \
    'work_dirs/oass_resnet101_4xb8-poly-15e_voc12aug-512px/epoch_15.pth'
csi_file = 'work_dirs/oass_cams/voc12aug_train_boxes.npz'
model = dict(
    fusion='max',
    init_cfg=dict(type='Pretrained', checkpoint=stage1_checkpoint))
train_dataloader = dict(dataset=dict(proposal_file=csi_file))
# The last checkpoint is the result: no selection on the evaluation split.
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=1, save_best=None))

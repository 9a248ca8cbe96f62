# OASS stage 1 (full) with ResNet-50, the fast option; otherwise as the
# ResNet-101 config of this protocol.
#   tools/dist_train.sh configs/oass/<this file> 4
_base_ = ['./oass_resnet101_4xb8-poly-15e_voc12aug-512px.py']
pretrained = 'checkpoints/resnet50_tv_mmpretrain.pth'
model = dict(
    backbone=dict(depth=50, init_cfg=dict(checkpoint=pretrained)))

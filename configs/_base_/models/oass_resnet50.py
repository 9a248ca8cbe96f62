# OASS stage 1 with ResNet-50 (the fast option); otherwise oass_resnet101.py.
#   python tools/model_converters/torchvision_resnet_to_mmpretrain.py \
#       resnet50-0676ba61.pth checkpoints/resnet50_tv_mmpretrain.pth
_base_ = ['./oass_resnet101.py']
pretrained = 'checkpoints/resnet50_tv_mmpretrain.pth'
model = dict(
    backbone=dict(depth=50, init_cfg=dict(checkpoint=pretrained)))

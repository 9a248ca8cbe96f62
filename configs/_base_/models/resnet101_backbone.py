# mmpretrain's ResNet-101 (last stage, 2048 channels) starting from ImageNet
# weights given as a LOCAL file (nothing downloads): convert torchvision's
# with
#   python tools/model_converters/torchvision_resnet_to_mmpretrain.py \
#       resnet101-63fe2227.pth checkpoints/resnet101_tv_mmpretrain.pth
# or set model.backbone.init_cfg=None to train from scratch. A fragment: the
# model bases put `resnet101_backbone` into their model.
pretrained = 'checkpoints/resnet101_tv_mmpretrain.pth'
resnet101_backbone = dict(
    type='ResNet',
    depth=101,
    num_stages=4,
    out_indices=(3, ),
    style='pytorch',
    init_cfg=dict(
        type='Pretrained', checkpoint=pretrained, prefix='backbone.'))

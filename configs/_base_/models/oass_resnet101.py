# OASS stage 1 (docs/methods/oass.md): ResNet-101 at output stride 16 (last
# stage stride 1, no dilation, BN in train mode) + CAMHead (1x1 conv, no
# bias, logits = GAP of the class maps), full OASS: Puzzle-CAM's L_cls +
# L_pcls + alpha(t) L_re on object-aware tiles, plus L_tile. The ablation
# rows of configs/oass/README.md change `aux`, `tiling` and `tile_weight`.
# ImageNet weights as a LOCAL file (nothing downloads), converted with
#   python tools/model_converters/torchvision_resnet_to_mmpretrain.py \
#       resnet101-63fe2227.pth checkpoints/resnet101_tv_mmpretrain.pth
pretrained = 'checkpoints/resnet101_tv_mmpretrain.pth'
num_classes = 20
model = dict(
    type='OASSClassifier',
    data_preprocessor=dict(
        num_classes=num_classes,
        to_onehot=True,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
    ),
    backbone=dict(
        type='ResNet',
        depth=101,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 1),
        out_indices=(3, ),
        style='pytorch',
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    head=dict(type='CAMHead', num_classes=num_classes, in_channels=2048),
    aux='tiles',                # 'none' | 'tiles' | 'rotation'
    tiling='object_aware',      # 'grid' is Puzzle-CAM's fixed 2 x 2
    re_weight=4.0,              # alpha_max (Puzzle-CAM --alpha 4)
    re_ramp=0.5,                # alpha ramps over the first 50 % of iters
    tile_weight=1.0,            # beta; 0 turns L_tile off
    tile_rho=0.5,
    loc_thr=0.2,
    min_size=2,
    warmup=0.2,
    tile_canvas='separated',    # tiles in place, 1-cell gap: 1.06x the crop area
    tile_gap=1,
)

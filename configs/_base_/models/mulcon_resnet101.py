# MulCon (Dao et al., Neurocomputing 2023), stage one: ResNet-101 -> label-wise
# attention neck (two token self-attention blocks of width 2048, label
# cross-attention from 80 learnt queries of width 1024, one label
# self-attention block; 4 heads, the released code's scale/residual/post-norm:
# docs/reference/mulcon.md (Attention block)) -> 80 per-class linear
# classifiers in one batched head, mean BCE over all B x C entries.
# Nothing is frozen: BN in train mode (norm_eval=False), frozen_stages=-1.
# The backbone starts from torchvision's ImageNet ResNet-101 v1 weights
# (IMAGENET1K_V1, the reference's `pretrained=True`; mmpretrain's own
# ResNet-101 weights differ) given as a LOCAL file (nothing downloads):
#   python tools/model_converters/torchvision_resnet_to_mmpretrain.py \
#       resnet101-63fe2227.pth checkpoints/resnet101_tv_mmpretrain.pth
# Dataset configs set num_classes (data_preprocessor, neck, head).
pretrained = 'checkpoints/resnet101_tv_mmpretrain.pth'
num_classes = 80
model = dict(
    type='MulConClassifier',
    data_preprocessor=dict(
        num_classes=num_classes,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
    ),
    backbone=dict(
        type='ResNet',
        depth=101,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch',
        frozen_stages=-1,
        norm_eval=False,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(
        type='LabelWiseAttentionNeck',
        in_channels=2048,
        num_classes=num_classes,
        embed_dims=1024,
        num_heads=4,
        num_token_blocks=2,
        num_label_blocks=1,
    ),
    head=dict(
        type='MulConHead',
        num_classes=num_classes,
        in_channels=1024,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
    ),
)

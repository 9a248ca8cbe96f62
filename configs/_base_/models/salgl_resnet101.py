# SALGL (Zhu et al., ICCV 2023): ResNet-101 -> scene-aware label graph neck
# -> per-class head, the released COCO-2014 model (448 x 448 input, 14 x 14
# = 196 tokens of 2048 channels; spec ../shared/methods/salgl.md §3.2):
# K = 6 scenes, hard scene choice, out-messages, row-normalised transition
# matrices with the diagonal kept, no position encoding, T = 3 graph steps,
# BERT label embeddings (C, 768), ASL(gamma- 2, gamma+ 0, clip 0) x 1000/(B*C)
# + scene entropy (x1) + scene balance (x100, weight 1).
# Dataset configs set num_classes (data_preprocessor, neck, head) and
# label_embedding_file; the EMA hook (decay 0.9997 = momentum 3e-4,
# update_buffers=True so the co-occurrence counts are averaged too) belongs
# to the method config.
# The backbone starts from ImageNet weights given as a LOCAL file (nothing
# downloads): convert torchvision's resnet101 with
#   python tools/model_converters/torchvision_resnet_to_mmpretrain.py \
#       resnet101-63fe2227.pth checkpoints/resnet101_tv_mmpretrain.pth
# (the reference used torchvision's v1 weights, resnet101-5d3b4d8f.pth).
pretrained = 'checkpoints/resnet101_tv_mmpretrain.pth'
num_classes = 80
label_embedding_file = 'data/coco/label_embeddings_bert.npy'
model = dict(
    type='LabelAwareClassifier',
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
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(
        type='SceneLabelGraphNeck',
        in_channels=2048,
        num_classes=num_classes,
        num_scenes=6,
        embedding_file=label_embedding_file,
        embedding_dim=768,
        attention_dim=1024,
        num_heads=8,
        ffn_dim=2048,
        dropout=0.1,
        position_encoding=False,
        num_steps=3,
        out_messages=True,
        soft_scenes=False,
        ignore_self=False,
        normalize=True,
    ),
    head=dict(
        type='SceneAwarePerClassHead',
        num_classes=num_classes,
        in_channels=2048,
        loss=dict(
            type='ScaledAsymmetricLoss',
            gamma_pos=0.0,
            gamma_neg=2.0,
            clip=0.0,
            eps=1e-5,
            scale=1000.0),
        scene_entropy_loss=dict(type='SceneEntropyLoss', loss_weight=1.0),
        scene_balance_loss=dict(
            type='SceneBalanceLoss', loss_weight=1.0, scale=100.0),
    ),
)

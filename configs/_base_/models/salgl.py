# SALGL (Zhu et al., "Scene-Aware Label Graph Learning for Multi-Label Image
# Classification", ICCV 2023) without its backbone: the scene-aware label
# graph neck and the per-class head as released for MS-COCO 2014 (80
# classes, K = 6 scenes, hard scene choice, out-messages, row-normalised
# transition matrices with the diagonal kept, no position encoding, T = 3
# graph steps, BERT label embeddings (C, 768), ASL(gamma- 2, gamma+ 0,
# clip 0) x 1000/(B*C) + scene entropy (x1) + scene balance (x100, weight
# 1)); docs/reference/salgl.md, 'Architecture as released' and 'Losses'.
# salgl_resnet101.py and salgl_vit-large-p16.py add the backbone, its
# channel count (neck.in_channels, head.in_channels) and COCO's label
# embeddings (neck.embedding_file, written by
# tools/dataset_converters/label_embeddings.py). A config for another
# dataset sets num_classes (data_preprocessor, neck, head), neck.num_scenes
# and neck.embedding_file; the EMA hook is in the schedule
# (../schedules/salgl_adamw_onecycle_80e.py).
num_classes = 80
model = dict(
    type='LabelAwareClassifier',
    data_preprocessor=dict(
        num_classes=num_classes,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
    ),
    neck=dict(
        type='SceneLabelGraphNeck',
        num_classes=num_classes,
        num_scenes=6,
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

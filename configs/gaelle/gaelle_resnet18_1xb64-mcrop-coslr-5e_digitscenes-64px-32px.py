# GAELLE on the embedded DigitScenes (3,000 train images of 128 px, built on
# first use; no download), sized for 2 CPU cores: ResNet-18 (plain BN, one
# process), 8 crops of 2 x 64 + 6 x 32 px (SwAV's crop scales; layer4 maps
# 2 x 2 and 1 x 1), batch 64, 5 epochs of 46 steps (230 steps). The model is
# the COCO one (G = 4 -> 32 slots, tau 0.1, Sinkhorn 3 x eps 0.05, 1/3
# weights, detached L2G input) with 300 prototypes per matrix (3,000 images,
# not 82k; at least the 128 embedding dimensions, or embeddings orthogonal
# to every prototype hold the loss at ln K with zero gradient: K = 100 kept
# SwAV at 4.6052); the reference's schedule compressed to 5 epochs: LARS lr
# 0.6 -> 6e-4 cosine per iteration, prototypes frozen for the first epoch
# (46 steps), a queue of 384 rows (6 batches) from epoch 1 (K = 300 > 64
# images per batch).
# Pair with the SwAV config of the same size (same steps), then the
# DigitScenes linear evaluation:
#   python tools/train.py configs/gaelle/<this file>
_base_ = [
    '../_base_/datasets/digit_scenes_swav-mcrop.py',
    '../_base_/models/gaelle_resnet50.py',
    '../_base_/schedules/gaelle_lars_coslr_400e.py',
    '../_base_/default_runtime.py',
]
max_epochs = 5
num_prototypes = 300
model = dict(
    backbone=dict(depth=18, norm_cfg=dict(type='BN')),
    neck=dict(in_channels=512, hid_channels=512),
    head=dict(
        num_prototypes=num_prototypes, num_local_prototypes=num_prototypes))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=6e-4,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = [
    dict(type='FeatureQueueHook', queue_length=384, epoch_queue_starts=1),
    dict(type='PrototypeFreezeHook', frozen_iters=46),
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=1, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)

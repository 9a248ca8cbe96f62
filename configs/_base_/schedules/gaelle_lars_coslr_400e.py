# GAELLE / SwAV pretraining run of the reference (docs/reference/gaelle.md,
# "Training recipe"): LARS (You et al., 2017) on every parameter, as apex
# LARC(trust 0.001, clip=False) around SGD(momentum 0.9, wd 1e-6), BN and
# biases included, no paramwise exclusions -> LARSForeach; lr cosine per
# ITERATION from 0.6 to 0.0006 without warm-up,
# lr(t) = 6e-4 + (0.6 - 6e-4) (1 + cos(pi t / T)) / 2, T = iterations of 400
# epochs; global batch 128 (2 GPUs x 64). The feature queue (3840 rows over
# all GPUs) starts at epoch 7; the prototypes are frozen (grads None) for
# the first 5005 iterations. Mixed precision: tools/train.py
# --amp (bf16 autocast, BF16OptimWrapper; the reference used fp16 +
# GradScaler: --amp float16).
max_epochs = 400
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='LARSForeach', lr=0.6, momentum=0.9, weight_decay=1e-6,
        eta=1e-3))
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
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
custom_hooks = [
    dict(type='FeatureQueueHook', queue_length=3840, epoch_queue_starts=7),
    dict(type='PrototypeFreezeHook', frozen_iters=5005),
]
# Freezing drops the prototypes from the graph: DDP must allow unused
# parameters (as mmpretrain's SwAV config).
find_unused_parameters = True
# lr above is for a total batch of 128; --auto-scale-lr rescales it.
auto_scale_lr = dict(base_batch_size=128)

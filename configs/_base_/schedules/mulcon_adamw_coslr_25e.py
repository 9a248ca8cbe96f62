# MulCon stage one (Dao et al., Neurocomputing 2023; the released recipe:
# docs/reference/mulcon.md (Stage one)): AdamW, betas (0.9, 0.999), eps 1e-8,
# weight decay 1e-4 on every parameter (biases and norms included), lr 2e-4
# for the attention block and classifiers and 2e-5 for the backbone, total
# batch 32 (2565 iterations per epoch on COCO's 82,081 images), 25 epochs.
# Learning rate, kept as released (docs/reference/mulcon.md (Quirks), Q3):
# - epochs 1-5: per iteration, linear from 0.1 x lr to 0.904604 x lr
#   (0.904604 = 1e-3 + 0.999 (1 + cos(pi 5/25)) / 2, the reference's warm-up
#   target). mmengine's LinearLR reaches it at the last warm-up iteration,
#   the released loop one iteration later (its last one is at 0.904541 on
#   COCO): every lr of the run is within 7e-5 x lr of the released one;
# - epochs 6-25: cosine per epoch from that warmed lr (not from lr) to 0
#   over 20 epochs.
# EMA of weights AND buffers (BN statistics), decay 0.9997 = mmengine momentum
# 3e-4, after every optimizer step; mmengine's EMA hook evaluates and saves
# the EMA weights as the checkpoint's `state_dict`, which stage two loads.
max_epochs = 25
warmup_epochs = 5
lr = 2e-4
warmup_end_factor = 0.904604
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=lr, betas=(0.9, 0.999), eps=1e-8,
        weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}),
)
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        end_factor=warmup_end_factor,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs - warmup_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=5)
val_cfg = dict()
test_cfg = dict()
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='FusedExponentialMovingAverage',
        momentum=3e-4,
        update_buffers=True,
        priority='ABOVE_NORMAL'),
]
# Stage two starts from the EMA of epoch 15: the leaf configs keep every 5th
# checkpoint (default_hooks.checkpoint: interval 5, max_keep_ckpts -1; set
# there because default_runtime.py owns default_hooks).
auto_scale_lr = dict(base_batch_size=32)

# SALGL's training recipe (the reference's argparse defaults;
# docs/reference/salgl.md, 'Training recipe' and 'EMA'): AdamW lr 1e-4,
# betas (0.9, 0.999) -> beta1 cycled as below, eps 1e-8, weight decay 0.01
# on every parameter, PyTorch's OneCycleLR(max_lr=1e-4, pct_start=0.2)
# stepped per iteration over 80 epochs (start 1e-4 / 25 = 4e-6, cosine up to
# 1e-4 at epoch 16, cosine down to 4e-10), for a total batch of 128; EMA of
# weights AND buffers with decay 0.9997.
max_epochs = 80
lr = 1e-4
warmup_epochs = 16  # pct_start 0.2 of 80

optim_wrapper = dict(
    type='OptimWrapper',
    # fused=True: one kernel per step (CPU and CUDA in torch >= 2.4); set
    # fused=False on an older torch.
    optimizer=dict(
        type='AdamW',
        lr=lr,
        betas=(0.95, 0.999),
        eps=1e-8,
        weight_decay=0.01,
        fused=True),
)
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=lr,
        pct_start=0.2,
        div_factor=25.0,
        final_div_factor=1e4,
        anneal_strategy='cos',
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True),
    # PyTorch's OneCycleLR also cycles Adam's beta1 0.95 -> 0.85 -> 0.95
    # (cycle_momentum=True) and the reference kept that default; mmengine's
    # OneCycleLR changes only the lr, so two cosine momentum schedules
    # (which act on betas[0] for Adam) do it. They meet PyTorch's curve
    # within 0.005 (PyTorch's phases end one iteration earlier).
    dict(
        type='CosineAnnealingMomentum',
        eta_min=0.85,
        T_max=warmup_epochs,
        by_epoch=True,
        begin=0,
        end=warmup_epochs,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingMomentum',
        eta_min=0.95,
        T_max=max_epochs - warmup_epochs,
        by_epoch=True,
        begin=warmup_epochs,
        end=max_epochs,
        convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# Decay 0.9997 (timm ModelEma, the reference) is mmengine momentum
# 1 - 0.9997 = 3e-4 (the weight of the new value). update_buffers=True
# averages the buffers too (BN statistics and SALGL's co-occurrence counts
# `neck.comatrix`), as the reference's state-dict EMA does. mmengine's
# EMAHook swaps the EMA weights in for every val/test epoch and saves them
# as the checkpoint's `state_dict` (the raw weights go to `ema_state_dict`),
# so validation, tools/test.py and the figure tools all use the EMA model,
# as the paper's numbers do.
custom_hooks = [
    dict(
        type='EMAHook',
        ema_type='FusedExponentialMovingAverage',
        momentum=3e-4,
        update_buffers=True,
        priority='ABOVE_NORMAL'),
]
# lr above is for a total batch of 128; --auto-scale-lr rescales it.
auto_scale_lr = dict(base_batch_size=128)

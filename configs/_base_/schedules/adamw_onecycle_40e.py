# AdamW + one-cycle lr, 40 epochs: the usual recipe of multi-label baselines
# (ASL, Ridnik et al. ICCV'21: Adam, lr 1e-4 .. 2e-4, one-cycle, wd 1e-4).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
)
param_scheduler = dict(
    type='OneCycleLR',
    eta_max=1e-4,
    pct_start=0.2,
    # end is in epochs, stepped per iteration; a config that changes
    # max_epochs changes end with it.
    by_epoch=True,
    begin=0,
    end=40,
    convert_to_iter_based=True,
)
train_cfg = dict(by_epoch=True, max_epochs=40, val_interval=1)
val_cfg = dict()
test_cfg = dict()
# lr above is for a total batch of 128; --auto-scale-lr rescales it.
auto_scale_lr = dict(base_batch_size=128)

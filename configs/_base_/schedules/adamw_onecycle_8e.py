# AdamW + one-cycle lr over 8 epochs, validated every 2: the schedule of the
# DigitScenes configs (ResNet-18 from scratch, batch 32, one process), peak
# lr 2e-3 (a config changes optim_wrapper.optimizer.lr and
# param_scheduler.eta_max together).
max_epochs = 8
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4),
)
param_scheduler = dict(
    type='OneCycleLR',
    eta_max=2e-3,
    pct_start=0.2,
    by_epoch=True,
    begin=0,
    end=max_epochs,
    convert_to_iter_based=True,
)
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=2)
val_cfg = dict()
test_cfg = dict()

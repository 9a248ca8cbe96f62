# The quick start's ResNet BCE baseline (ResNet-18 from scratch + global
# average pooling + linear head, mean BCE, DigitScenes read at 64 px, batch
# 32, 8 epochs, AdamW wd 1e-4, one-cycle) at the peak lr of SALGL's
# DigitScenes config (1e-3 instead of 2e-3), so that the two differ only in
# the model and the EMA.
_base_ = [
    '../_base_/models/resnet18_multilabel.py',
    '../_base_/datasets/digit_scenes_64px.py',
    '../_base_/schedules/adamw_onecycle_8e.py',
    '../_base_/default_runtime.py',
]
lr = 1e-3
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = dict(eta_max=lr)
default_hooks = dict(logger=dict(interval=20))
randomness = dict(seed=0)

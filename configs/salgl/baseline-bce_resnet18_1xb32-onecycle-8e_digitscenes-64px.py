# The foundation's ResNet BCE baseline (configs/quickstart/
# baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py: ResNet-18 from scratch + global
# average pooling + linear head, mean BCE, 64 px, batch 32, 8 epochs, AdamW
# wd 1e-4, one-cycle) at the peak lr of SALGL's DigitScenes config (1e-3
# instead of 2e-3), so that the two differ only in the model and the EMA.
_base_ = ['../quickstart/baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py']
lr = 1e-3
optim_wrapper = dict(optimizer=dict(lr=lr))
param_scheduler = dict(eta_max=lr)

# adamw_onecycle_40e.py shortened for the DigitScenes configs (ResNet-18 from
# scratch, batch 32, one process): 8 epochs validated every 2, peak lr 2e-3
# (a config changes optim_wrapper.optimizer.lr and param_scheduler.eta_max
# together), which is for a total batch of 32 (--auto-scale-lr rescales it).
_base_ = ['./adamw_onecycle_40e.py']
max_epochs = 8
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = dict(eta_max=2e-3, end=max_epochs)
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
auto_scale_lr = dict(base_batch_size=32)

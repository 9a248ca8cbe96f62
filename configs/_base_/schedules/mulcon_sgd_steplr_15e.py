# MulCon stage two (Dao et al., Neurocomputing 2023; the released recipe:
# docs/reference/mulcon.md (Stage two)): SGD, momentum 0.9, no dampening or
# Nesterov, weight decay 1e-4 on every parameter; lr 0.01 for the classifiers
# and the projector, 1e-3 for the backbone AND the attention block; total
# batch 24 images = 48 views (3420 iterations per epoch on COCO); StepLR x0.1
# every 20 epochs, no warm-up. The released loop runs 200 epochs but the
# evaluated model is the EMA after epoch 15, before the first decay, so we
# train 15 epochs (max_epochs; the StepLR is kept for longer runs).
# EMA of weights and buffers, decay 0.9997 (mmengine momentum 3e-4), made
# from the stage-one weights at the first step.
max_epochs = 15
lr = 0.01
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD',
        lr=lr,
        momentum=0.9,
        dampening=0,
        nesterov=False,
        weight_decay=1e-4),
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.1),
            'neck': dict(lr_mult=0.1),
        }),
)
param_scheduler = [
    dict(type='StepLR', step_size=20, gamma=0.1, by_epoch=True, begin=0),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=1)
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
auto_scale_lr = dict(base_batch_size=24)

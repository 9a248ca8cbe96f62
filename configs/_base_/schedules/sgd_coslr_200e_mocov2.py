# MoCo-v2 pretraining schedule of Object-aware cropping (Mishra et al.
# 2022; MoCo-v2 recipe, Chen et al. 2020): SGD on all parameters (weight
# decay on BN and biases too), lr 0.015 for a global batch of 128 (MoCo's
# 0.03 @ 256, scaled), momentum 0.9, wd 1e-4; cosine set once per epoch,
# lr_e = lr * (1 + cos(pi * e / E)) / 2 for e = 0 .. E - 1, no warm-up,
# E = 200 epochs.
max_epochs = 200
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.015, momentum=0.9, weight_decay=1e-4),
)
# `end` and `T_max` default to train_cfg.max_epochs (mmengine's Runner), so
# a config that changes max_epochs keeps a cosine over all its epochs.
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=0)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
# lr above is for a total batch of 128; --auto-scale-lr rescales it.
auto_scale_lr = dict(base_batch_size=128)

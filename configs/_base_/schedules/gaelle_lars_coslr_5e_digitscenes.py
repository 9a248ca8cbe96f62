# The GAELLE / SwAV run (gaelle_lars_coslr_400e.py) compressed for
# DigitScenes on a CPU: the same LARS and lr curve (0.6 -> 6e-4, cosine per
# iteration) over 5 epochs of 46 steps, the prototypes frozen for the first
# epoch (46 steps), a queue of 384 rows (6 batches of 64; more than the 300
# prototypes) from epoch 1.
_base_ = ['./gaelle_lars_coslr_400e.py']
max_epochs = 5
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = [
    dict(type='FeatureQueueHook', queue_length=384, epoch_queue_starts=1),
    dict(type='PrototypeFreezeHook', frozen_iters=46),
]

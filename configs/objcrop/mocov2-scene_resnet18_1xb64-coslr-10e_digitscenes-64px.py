# MoCo-v2 Scene-Scene baseline on the embedded DigitScenes (3,000 train
# images of 128 px, built on first use; no download), small enough for a
# CPU: ResNet-18, 64-px views, batch 64, queue 4,096, m = 0.99, lr 0.03,
# 10 epochs of 46 steps (about 10 min on 2 CPU cores). Pair it with the
# object-object config of the same size (same steps), then the DigitScenes
# linear probe.
_base_ = [
    '../_base_/models/mocov2_resnet18_digitscenes.py',
    '../_base_/datasets/digit_scenes_mocov2.py',
    '../_base_/schedules/sgd_coslr_10e_mocov2-digitscenes.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=5, max_keep_ckpts=2, save_best=None))
randomness = dict(seed=0)

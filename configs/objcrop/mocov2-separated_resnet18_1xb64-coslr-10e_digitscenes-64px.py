# MoCo-v2 with random separated crops on DigitScenes: two 48-px squares
# 17 px apart (the paper's 224 px / 80 px scaled to the 128-px images), each
# resized to the 64-px view, no swap; same model, schedule and steps as
# the scene config.
_base_ = [
    '../_base_/models/mocov2_resnet18_digitscenes.py',
    '../_base_/datasets/digit_scenes_mocov2.py',
    '../_base_/schedules/sgd_coslr_10e_mocov2-digitscenes.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(dataset=dict(pipeline={{_base_.separated_pipeline}}))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=5, max_keep_ckpts=2, save_best=None))
randomness = dict(seed=0)

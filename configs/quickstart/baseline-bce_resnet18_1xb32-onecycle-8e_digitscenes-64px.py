# Quick start: ResNet-18 from scratch on the embedded DigitScenes data, on a
# CPU (about 4-5 minutes on 2 cores): mean BCE, the 128 px images read at
# 64 px, batch 32, AdamW (lr 2e-3, wd 1e-4) with a one-cycle lr over 8
# epochs. python3 tools/train.py configs/quickstart/<this file>
_base_ = [
    '../_base_/models/resnet18_multilabel.py',
    '../_base_/datasets/digit_scenes_64px.py',
    '../_base_/schedules/adamw_onecycle_8e.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(logger=dict(interval=20))
randomness = dict(seed=0)

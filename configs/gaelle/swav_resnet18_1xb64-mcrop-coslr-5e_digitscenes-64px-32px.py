# Plain SwAV on DigitScenes, the baseline of the GAELLE DigitScenes config:
# same pipeline, backbone, schedule, queue and freezing, no local branch
# (loss = L_glb).
#   python tools/train.py configs/gaelle/<this file>
_base_ = [
    '../_base_/datasets/digit_scenes_swav-mcrop.py',
    '../_base_/models/gaelle_resnet18.py',
    '../_base_/schedules/gaelle_lars_coslr_5e_digitscenes.py',
    '../_base_/default_runtime.py',
]
model = dict(
    neck=dict(with_local=False),
    head=dict(global_weight=1.0, local_weight=0.0, l2g_weight=0.0))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=1, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)

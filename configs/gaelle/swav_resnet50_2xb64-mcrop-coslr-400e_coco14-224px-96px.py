# Plain SwAV on MS-COCO 2014 train, GAELLE's baseline on the same pipeline,
# model and schedule: GAELLE without its local branch (no attention slots,
# no local or local->global prototypes), loss = L_glb.
#   bash tools/dist_train.sh configs/gaelle/<this file> 2 --amp
_base_ = [
    '../_base_/datasets/coco14_swav-mcrop.py',
    '../_base_/models/gaelle_resnet50.py',
    '../_base_/schedules/gaelle_lars_coslr_400e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    neck=dict(with_local=False),
    head=dict(global_weight=1.0, local_weight=0.0, l2g_weight=0.0))
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best=None))
randomness = dict(seed=31)

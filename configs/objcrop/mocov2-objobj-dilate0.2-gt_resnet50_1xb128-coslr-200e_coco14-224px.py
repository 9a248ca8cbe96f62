# MoCo-v2 Object-Object+Dilate 0.2 on MS-COCO 2014 train with GROUND-TRUTH
# boxes (crowd boxes included): the OHMS recipe of Object-aware cropping
# on COCO, one random box per image visit, clean crop arithmetic. (The
# reference's unused COCO loader differed: both views T_scene, proposals,
# right/bottom clipping only; docs/reference/object_aware_cropping.md
# (Crop strategies).)
_base_ = [
    '../_base_/models/mocov2_resnet50.py',
    '../_base_/datasets/coco14_mocov2.py',
    '../_base_/schedules/sgd_coslr_200e_mocov2.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(dataset=dict(pipeline={{_base_.objobj_pipeline}}))
# No validation; keep the last checkpoints (the probe loads epoch_200.pth).
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=3, save_best=None))

# MoCo-v2 Scene-Scene baseline on MS-COCO 2014 train (82,081 images with
# annotations; labels unused), the recipe of Object-aware cropping: 200
# epochs, batch 128, lr 0.015, cosine. Then
# linear-probe_resnet50_8xb32-steplr-100e_coco14-224px.py.
_base_ = [
    '../_base_/models/mocov2_resnet50.py',
    '../_base_/datasets/coco14_mocov2.py',
    '../_base_/schedules/sgd_coslr_200e_mocov2.py',
    '../_base_/default_runtime.py',
]
# No validation; keep the last checkpoints (the probe loads epoch_200.pth).
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=3, save_best=None))

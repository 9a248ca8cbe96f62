# MoCo-v2 Scene-Scene baseline on OpenImages OHMS (Object-aware cropping,
# Mishra et al. TMLR 2022): two MoCo-v2 views of the whole image,
# 212,753 train images per epoch, 200 epochs, batch 128, lr 0.015, cosine.
# Paper: 49.8 linear-probe mAP.
_base_ = [
    '../_base_/models/mocov2_resnet50.py',
    '../_base_/datasets/openimages_ohms_mocov2.py',
    '../_base_/schedules/sgd_coslr_200e_mocov2.py',
    '../_base_/default_runtime.py',
]
# No validation; keep the last checkpoints (the probe loads epoch_200.pth).
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=3, save_best=None))

# MoCo-v2 with random separated crops on OpenImages OHMS, a baseline of the
# reference code (two scene crops a fixed distance apart, no box): two
# 224-px squares 80 px apart, each resized to the view (T_fix), no swap,
# per image. Clean sampling (uniform base square, partner on the circle,
# both inside the image); the reference's sampling is
# RandomSeparatedCrops(faithful=True) (docs/reference/
# object_aware_cropping.md (Random separated crops)).
_base_ = [
    '../_base_/models/mocov2_resnet50.py',
    '../_base_/datasets/openimages_ohms_mocov2.py',
    '../_base_/schedules/sgd_coslr_200e_mocov2.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(dataset=dict(pipeline={{_base_.separated_pipeline}}))
# No validation; keep the last checkpoints (the probe loads epoch_200.pth).
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=3, save_best=None))

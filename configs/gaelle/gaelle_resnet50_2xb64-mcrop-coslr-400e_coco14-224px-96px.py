# GAELLE on MS-COCO 2014 train, the reference's recipe (docs/reference/
# gaelle.md, "Training recipe"): ResNet-50, 2 GPUs x 64 images, 8 SwAV crops
# (2 x 224 + 6 x 96), 400 epochs of 646 iterations, LARS lr 0.6 -> 0.0006
# cosine per iteration, queue 3840 from epoch 7, prototypes frozen for 5005
# iterations, seed 31. Expected after the linear probe
# (linear-probe_resnet50_1xb128-coslr-100e_coco14-224px.py): COCO mAP 62.4.
#   bash tools/dist_train.sh configs/gaelle/<this file> 2 --amp
# The reference ran fp16 autocast + GradScaler (--amp float16); --amp alone
# is bf16 without a scaler.
_base_ = [
    '../_base_/datasets/coco14_swav-mcrop.py',
    '../_base_/models/gaelle_resnet50.py',
    '../_base_/schedules/gaelle_lars_coslr_400e.py',
    '../_base_/default_runtime.py',
]
# No validation. Every epoch is saved (a run of days must resume), the two
# latest kept; the linear probe reads epoch_400.pth.
default_hooks = dict(
    checkpoint=dict(interval=1, max_keep_ckpts=2, save_best=None))
randomness = dict(seed=31)

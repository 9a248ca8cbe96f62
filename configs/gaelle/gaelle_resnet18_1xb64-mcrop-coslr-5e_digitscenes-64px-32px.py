# GAELLE on the embedded DigitScenes (3,000 train images of 128 px, built on
# first use; no download), sized for 2 CPU cores: ResNet-18 (plain BN, one
# process), 8 crops of 2 x 64 + 6 x 32 px (layer4 maps 2 x 2 and 1 x 1),
# batch 64, 5 epochs of 46 steps. The model is the COCO one (G = 4 -> 32
# slots, tau 0.1, Sinkhorn 3 x eps 0.05, 1/3 weights, detached L2G input)
# with 300 prototypes per matrix; the reference's schedule compressed to 5
# epochs. Then the DigitScenes linear probe of this folder.
#   python tools/train.py configs/gaelle/<this file>
_base_ = [
    '../_base_/datasets/digit_scenes_swav-mcrop.py',
    '../_base_/models/gaelle_resnet18.py',
    '../_base_/schedules/gaelle_lars_coslr_5e_digitscenes.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=1, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)

# SALGL's 448-px training pipeline (Zhu et al. 2023) with the fast path
# (docs/benchmarks.md, Data pipeline throughput): the transforms, draws and
# magnitudes of configs/salgl/salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py
# (see its comments for the differences from the reference), with
# AutoContrast, Equalize, Contrast and Solarize as table look-ups and the
# JPEG decoded at 1/2, 1/4 or 1/8 scale when that still leaves >= 448 px.
# fast_views = False runs mmpretrain's ops and the full-size decode.
fast_views = True
img_size = 448
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
             'scale_factor', 'flip', 'flip_direction')
# mmpretrain's RandAugment looks its ops up in mmpretrain's registry, so
# ours carry the 'mmmlc.' scope.
randaug_policies = [
    dict(type='Invert', prob=0.5),
    dict(type='Cutout', magnitude_range=(0, 20), prob=0.5),
    dict(type='Sharpness', magnitude_range=(0, 0.9), prob=0.5),
    dict(type='mmmlc.FastAutoContrast', prob=0.5, fast=fast_views),
    dict(type='Posterize', magnitude_range=(8, 4), prob=0.5),
    dict(
        type='Shear',
        magnitude_range=(0, 0.3),
        direction='horizontal',
        prob=0.5),
    dict(
        type='Shear', magnitude_range=(0, 0.3), direction='vertical',
        prob=0.5),
    dict(
        type='Translate',
        magnitude_range=(0, 150 / 331),
        direction='horizontal',
        prob=0.5),
    dict(
        type='Translate',
        magnitude_range=(0, 150 / 331),
        direction='vertical',
        prob=0.5),
    dict(
        type='Rotate',
        magnitude_range=(0, 30),
        random_negative_prob=0.0,
        prob=0.5),
    dict(type='mmmlc.FastEqualize', prob=0.5, fast=fast_views),
    dict(
        type='mmmlc.FastContrast',
        magnitude_range=(0, 0.9),
        prob=0.5,
        fast=fast_views),
    dict(type='ColorTransform', magnitude_range=(0, 0.9), prob=0.5),
    dict(
        type='mmmlc.FastSolarize',
        magnitude_range=(256, 0),
        prob=0.5,
        fast=fast_views),
    dict(type='Brightness', magnitude_range=(0, 0.9), prob=0.5),
]
randaugment = dict(
    type='RandAugment',
    policies=randaug_policies,
    num_policies=2,
    magnitude_level=9,
    magnitude_std='inf',
    total_level=10,
    hparams=dict(pad_val=128))
train_pipeline = [
    dict(
        type='LoadImageFast',
        min_size=(img_size, img_size),
        fast=fast_views),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Cutout', shape=img_size // 2, pad_val=128, prob=1.0),
    randaugment,
    dict(type='PackInputs', meta_keys=meta_keys),
]

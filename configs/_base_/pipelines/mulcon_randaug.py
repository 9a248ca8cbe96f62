# RandAugment of MulCon's released code (the PyPI package randaugment 1.0.2;
# docs/reference/mulcon.md (Augmentation)) with mmpretrain's transforms: 15
# ops, two per image, each applied with p 0.5, magnitude uniform over the
# op's range (released: one of 9 steps of a 10-point grid, 1..9, so the top of
# the range is reachable: total_level 9). Grey fill 128; the Cutout square (up
# to 20 px at 448) is filled with the reference's (125, 122, 113) RGB, given
# here in BGR as mmcv images are. Differences: magnitudes are continuous, not
# the 9 grid points; ops may repeat within a pair (as released).
cutout_max = 20
randaug_policies = [
    dict(type='Invert', prob=0.5),
    dict(
        type='Cutout',
        magnitude_range=(0, cutout_max),
        pad_val=(113, 122, 125),
        prob=0.5),
    dict(type='Sharpness', magnitude_range=(0, 0.9), prob=0.5),
    dict(type='AutoContrast', prob=0.5),
    dict(type='Posterize', magnitude_range=(8, 4), prob=0.5),
    dict(
        type='Shear',
        magnitude_range=(0, 0.3),
        direction='horizontal',
        interpolation='bicubic',
        prob=0.5),
    dict(
        type='Shear',
        magnitude_range=(0, 0.3),
        direction='vertical',
        interpolation='bicubic',
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
    # Released: always counter-clockwise (PIL's positive angle); mmcv's
    # positive angle is clockwise, so the angle is always negated.
    dict(
        type='Rotate',
        magnitude_range=(0, 30),
        random_negative_prob=1.0,
        prob=0.5),
    dict(type='Equalize', prob=0.5),
    dict(type='Contrast', magnitude_range=(0, 0.9), prob=0.5),
    dict(type='ColorTransform', magnitude_range=(0, 0.9), prob=0.5),
    dict(type='Solarize', magnitude_range=(256, 0), prob=0.5),
    dict(type='Brightness', magnitude_range=(0, 0.9), prob=0.5),
]
randaugment = dict(
    type='RandAugment',
    policies=randaug_policies,
    num_policies=2,
    magnitude_level=9,
    magnitude_std='inf',
    total_level=9,
    hparams=dict(pad_val=128))

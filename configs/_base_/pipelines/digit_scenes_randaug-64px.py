# RandAugment of the SALGL recipe (configs/salgl/
# salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py: the reference's 15 UDA ops, two
# per image, magnitude level uniform in [0, 9]) for DigitScenes read at
# 64 px: its Cutout op is scaled with the image, up to 20 px at 448, so
# 20 * 64 / 448 here. Used after the 64-px Resize, with no flip (a mirrored
# digit is another glyph).
randaug_policies = [
    dict(type='Invert', prob=0.5),
    dict(type='Cutout', magnitude_range=(0, 20 * 64 / 448), prob=0.5),
    dict(type='Sharpness', magnitude_range=(0, 0.9), prob=0.5),
    dict(type='AutoContrast', prob=0.5),
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
    dict(type='Equalize', prob=0.5),
    dict(type='Contrast', magnitude_range=(0, 0.9), prob=0.5),
    dict(type='ColorTransform', magnitude_range=(0, 0.9), prob=0.5),
    dict(type='Solarize', magnitude_range=(256, 0), prob=0.5),
    dict(type='Brightness', magnitude_range=(0, 0.9), prob=0.5),
]
digit_scenes_randaugment = dict(
    type='RandAugment',
    policies=randaug_policies,
    num_policies=2,
    magnitude_level=9,
    magnitude_std='inf',
    total_level=10,
    hparams=dict(pad_val=128))

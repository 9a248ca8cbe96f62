# SALGL's RandAugment (salgl_augmentation.py) for DigitScenes read at 64 px:
# its Cutout op is scaled with the image, up to 20 px at 448, so
# 20 * 64 / 448 here. Used after the 64-px Resize, with no flip (a mirrored
# digit is another glyph) and without the recipe's half-image Cutout (it
# would erase most digits).
_base_ = ['./salgl_augmentation.py']
randaug_policies = [
    dict(policy, magnitude_range=(0, 20 * 64 / 448))
    if policy['type'] == 'Cutout' else policy
    for policy in _base_.randaug_policies
]
digit_scenes_randaugment = dict(_base_.randaugment, policies=randaug_policies)

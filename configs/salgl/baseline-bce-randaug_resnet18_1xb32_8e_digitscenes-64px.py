# Augmentation screen on DigitScenes (docs/methods/salgl.md): the BCE
# baseline of this folder with the COCO config's RandAugment (the
# reference's 15 ops, two per image, magnitude level uniform in [0, 9])
# after the 64-px Resize, no flip (a mirrored digit is another glyph). Its
# Cutout op is scaled with the image: up to 20 px at 448, so 20 * 64 / 448
# here. Screened on val and NOT adopted: at 8 epochs it lowers the
# baseline's val mAP (64.4 against 68.8 without augmentation), so the
# DigitScenes configs keep no augmentation.
_base_ = ['./baseline-bce_resnet18_1xb32_8e_digitscenes-64px.py']
img_size = 64
randaug_policies = [
    dict(type='Invert', prob=0.5),
    dict(type='Cutout', magnitude_range=(0, 20 * img_size / 448), prob=0.5),
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
randaugment = dict(
    type='RandAugment',
    policies=randaug_policies,
    num_policies=2,
    magnitude_level=9,
    magnitude_std='inf',
    total_level=10,
    hparams=dict(pad_val=128))
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(img_size, img_size)),
        randaugment,
        dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
    ]))

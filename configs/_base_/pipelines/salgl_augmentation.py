# SALGL's training augmentation (docs/reference/salgl.md, 'Data pipeline'),
# to follow the Resize (S, S) and horizontal flip of a dataset's train
# pipeline: a Cutout of half the side on every image, then RandAugment with
# the reference's 15 UDA-style operations, two per image, each with p 0.5,
# magnitude level uniform in [0, 9] of 10. Built from mmpretrain's
# transforms; the differences: mmcv's Cutout keeps the full side when the
# square is clipped at the top/left border (the reference clips both ends)
# and fills with grey 128 instead of one random colour per image; magnitudes
# are drawn from the continuous uniform [0, 9] instead of the integers 1..9.
# fast_views: AutoContrast, Equalize, Contrast and Solarize as uint8 table
# look-ups (same draws and magnitudes; docs/benchmarks.md, 'Data pipeline
# throughput'); False runs mmpretrain's ops. mmpretrain's RandAugment looks
# its ops up in mmpretrain's registry, so ours carry the 'mmmlc.' scope.
fast_views = True
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
    # The reference rotates one way only.
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
# Both at 448 x 448; a config at another size S writes its own Cutout of
# shape S // 2.
salgl_augmentation_448 = [
    dict(type='Cutout', shape=448 // 2, pad_val=128, prob=1.0),
    randaugment,
]

# The reference resizes PIL images (torchvision Resize: PIL bilinear, which
# antialiases when shrinking); mmcv's default is OpenCV bilinear without it
# (up to 0.26 apart in normalised units on a 640 x 480 COCO image). The
# paper configs put this in place of their dataset's Resize.
salgl_resize_448 = dict(
    type='Resize',
    scale=(448, 448),
    backend='pillow',
    interpolation='bilinear')

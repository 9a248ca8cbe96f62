# SALGL's whole 448-px training pipeline with the fast path, as
# tools/analysis_tools/benchmark_pipeline.py times it (docs/benchmarks.md,
# 'Data pipeline throughput'): the recipe's augmentation
# (salgl_augmentation.py) after a JPEG decoded at 1/2, 1/4 or 1/8 scale when
# that still leaves >= 448 px. fast_views = False runs mmpretrain's ops and
# the full-size decode.
_base_ = ['./salgl_augmentation.py']
img_size = 448
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
             'scale_factor', 'flip', 'flip_direction')
train_pipeline = [
    dict(
        type='LoadImageFast',
        min_size=(img_size, img_size),
        fast=_base_.fast_views),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    *_base_.salgl_augmentation_448,
    dict(type='PackInputs', meta_keys=meta_keys),
]

# mulcon_views.py at 576 px (the paper's larger COCO setting): the crop and
# the squash-resize sized 576, the pipelines rebuilt from them.
_base_ = ['./mulcon_views.py']
img_size = 576
mulcon_crop = dict(_base_.mulcon_crop, scale=img_size)
mulcon_squash = dict(_base_.mulcon_squash, scale=(img_size, img_size))
mulcon_one_view_pipeline = [
    _base_.mulcon_load, mulcon_crop, *_base_.mulcon_augment]
mulcon_two_view_pipeline = [
    _base_.mulcon_load,
    dict(_base_.mulcon_two_view_pipeline[1],
         transforms=[[mulcon_squash, *_base_.mulcon_augment]]),
]
mulcon_test_pipeline = [_base_.mulcon_load, mulcon_squash]

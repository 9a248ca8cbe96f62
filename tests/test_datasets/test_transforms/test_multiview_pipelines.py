"""Two-view MoCo-v2 pipelines of every strategy on a DigitScenes sample."""
import copy

import mmcv
import numpy as np
import pytest
import torch

from mmmlc.datasets import DigitScenesDataset, ObjectInstanceDataset
from mmmlc.datasets.transforms import box_ops

DIGIT_SIZES = dict(num_train=8, num_val=4, num_test=4)  # as in conftest.py
SIZE = 64
PHOTOMETRIC = [
    dict(type='RandomApply', prob=0.8, transforms=[
        dict(type='ColorJitterFixedHue', brightness=0.4, contrast=0.4,
             saturation=0.4, hue=0.1)]),
    dict(type='RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.2989)),
    dict(type='GaussianBlur', magnitude_range=(0.1, 2.0),
         magnitude_std='inf', prob=0.5),
    dict(type='RandomFlip', prob=0.5),
]
T_SCENE = [dict(type='RandomResizedCrop', scale=SIZE,
                crop_ratio_range=(0.2, 1.0), backend='pillow'), *PHOTOMETRIC]
T_OBJ = [dict(type='RandomResizedCrop', scale=SIZE,
              crop_ratio_range=(0.0, 1.0), backend='pillow'), *PHOTOMETRIC]
T_FIX = [dict(type='Resize', scale=(SIZE, SIZE)), *PHOTOMETRIC]
OBJ = dict(type='ObjectCrop', min_size=64, expand=32)
DIL = dict(type='ObjectCrop', dilation=0.2, min_size=64, expand=32)

STRATEGIES = {
    'scene_scene': [
        dict(type='MultiView', num_views=2, transforms=[T_SCENE])],
    'object_object_dilate': [
        dict(type='SelectObjectBox'),
        dict(type='MultiView', num_views=[1, 1], transforms=[
            [OBJ, *T_OBJ], [DIL, *T_SCENE]]),
        dict(type='RandomViewSwap')],
    'object_object_dilate_faithful': [
        dict(type='SelectObjectBox'),
        dict(type='MultiView', num_views=[1, 1], transforms=[
            [dict(OBJ, faithful=True), *T_OBJ],
            [dict(DIL, faithful=True), *T_SCENE]]),
        dict(type='RandomViewSwap')],
    'object_scene': [
        dict(type='SelectObjectBox'),
        dict(type='MultiView', num_views=[1, 1], transforms=[
            [dict(type='SceneCrop'), *T_SCENE], [OBJ, *T_FIX]]),
        dict(type='RandomViewSwap')],
    'separated': [
        dict(type='RandomSeparatedCrops', radius=24, crop_size=48),
        dict(type='MultiView', num_views=[1, 1], transforms=[
            [dict(type='ViewBoxCrop', index=0), *T_FIX],
            [dict(type='ViewBoxCrop', index=1), *T_FIX]])],
}


def _dataset(root, middle):
    pipeline = [dict(type='LoadImageFromFile'), *copy.deepcopy(middle),
                dict(type='PackInputs')]
    return DigitScenesDataset(data_root=root, pipeline=pipeline,
                              **DIGIT_SIZES)


@pytest.mark.parametrize('name', sorted(STRATEGIES))
def test_two_views_of_configured_size(digit_root, name):
    np.random.seed(0)
    dataset = _dataset(digit_root, STRATEGIES[name])
    for i in range(len(dataset)):
        views = dataset[i]['inputs']
        assert len(views) == 2
        for view in views:
            assert isinstance(view, torch.Tensor)
            assert view.shape == (3, SIZE, SIZE) and view.dtype == torch.uint8
        assert not torch.equal(views[0], views[1])


def test_object_scene_views_are_the_box_crop_and_the_image(digit_root):
    """Without random steps, the views are exactly C0 and the scene."""
    resize = dict(type='Resize', scale=(SIZE, SIZE))
    middle = [
        dict(type='SelectObjectBox'),
        dict(type='MultiView', num_views=[1, 1], transforms=[
            [OBJ, resize], [dict(type='SceneCrop'), resize]]),
        dict(type='RandomViewSwap', prob=0.0)]
    wrapped = ObjectInstanceDataset(_dataset(digit_root, middle))
    raw = DigitScenesDataset(data_root=digit_root, **DIGIT_SIZES)
    for i in (0, len(wrapped) - 1):
        image, box = wrapped.locate(i)
        info = raw.get_data_info(image)
        img = mmcv.imread(info['img_path'])
        crop = box_ops.clean_crop_box(info['gt_bboxes'][box], 128, 128, 0.0,
                                      64, 32)
        x1, y1, x2, y2 = crop.tolist()
        expected_obj = mmcv.imresize(img[y1:y2, x1:x2], (SIZE, SIZE))
        expected_scene = mmcv.imresize(img, (SIZE, SIZE))
        obj, scene = wrapped[i]['inputs']
        assert np.array_equal(obj.permute(1, 2, 0).numpy(), expected_obj)
        assert np.array_equal(scene.permute(1, 2, 0).numpy(), expected_scene)

"""tools/analysis_tools/browse_crops.py on DigitScenes configs."""
import os.path as osp

import mmcv
import numpy as np
import pytest
from PIL import Image

import mmmlc  # noqa: F401
from mmmlc.datasets import build_digit_scenes
from mmmlc.datasets.transforms import box_ops
from mmmlc.testing import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
tool = load_script(
    osp.join(REPO, 'tools', 'analysis_tools', 'browse_crops.py'))

CONFIG = """
default_scope = 'mmmlc'
view = [dict(type='RandomResizedCrop', scale=32, backend='pillow'),
        dict(type='RandomFlip', prob=0.5)]
train_dataloader = dict(dataset=dict(
    type='ObjectInstanceDataset',
    dataset=dict(
        type='DigitScenesDataset', data_root={root!r}, num_train=6,
        num_val=2, num_test=2,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='SelectObjectBox'),
            dict(type='MultiView', num_views=[1, 1], transforms=[
                [dict(type='ObjectCrop', min_size=48, expand=24,
                      faithful={faithful}), *view],
                [dict(type='ObjectCrop', dilation=0.2, min_size=48,
                      expand=24, faithful={faithful}), *view]]),
            dict(type='RandomViewSwap'),
            dict(type='PackInputs')])))
"""


@pytest.fixture(scope='module')
def configs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('browse')
    root = str(tmp / 'digit_scenes')
    build_digit_scenes(root, seed=0, num_train=6, num_val=2, num_test=2)
    paths = []
    for faithful in (False, True):
        path = tmp / f'objcrop_faithful{faithful}.py'
        path.write_text(CONFIG.format(root=root, faithful=faithful))
        paths.append(str(path))
    return paths


def test_grid_png(configs, tmp_path):
    out = str(tmp_path / 'grid.png')
    tool.main([*configs, '--num', '3', '--out', out])
    with Image.open(out) as png:
        width, height = png.size
    # 2 configs x 3 images = 6 rows of 3 panels (2.6 x 2.7 in at 100 dpi).
    assert (width, height) == (780, 1620)


def test_traced_boxes_locate_the_views(configs):
    dataset, transforms = tool.load_strategy(configs[1], None)
    np.random.seed(0)
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        row = tool.trace_sample(transforms, info)
        source = mmcv.imread(info['img_path'])
        assert np.array_equal(row['source'], source)
        box = info['gt_bboxes'][info['object_index']]
        assert row['object_box'].tolist() == box.tolist()
        crops = {
            tuple(box_ops.faithful_crop_box(box, 128, 128, d, 48, 24))
            for d in (0.0, 0.2)
        }
        for view in row['views']:
            assert tuple(view['crop_box']) in crops
            x1, y1, x2, y2 = view['rrc_box'].round().astype(int).tolist()
            c = view['crop_box']
            assert c[0] <= x1 < x2 <= c[2] and c[1] <= y1 < y2 <= c[3]
            # The view is exactly the RandomResizedCrop region, resized.
            region = box_ops.crop_with_padding(source, (x1, y1, x2, y2))
            expected = mmcv.imresize(region, (32, 32), backend='pillow')
            if view['flip']:
                expected = expected[:, ::-1]
            assert np.array_equal(view['img'], expected)

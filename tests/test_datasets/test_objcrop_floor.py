"""Issue 19 item 8: faithful object crops floor ``v * W`` in float64.

The reference (``docs/reference/object_aware_cropping.md``, box to pixels)
computes ``int(XMin * W)`` on Python floats. For a pixel-aligned box such as
XMin = 0.14125 on an 800-px image, ``0.14125 * 800`` is
``112.99999999999999`` in float64, so the reference's x1 is 112; a plain
float32 cast would round it to 113.0 first and give 113.
"""
import os
import os.path as osp

import numpy as np
from PIL import Image

import mmmlc  # noqa: F401
from mmmlc.datasets import OpenImagesOHMSDataset
from mmmlc.datasets.base import boxes_to_array, float32_keeping_floor
from mmmlc.registry import TRANSFORMS

# ImageID, Source, LabelName, Confidence, XMin, XMax, YMin, YMax
ROW = ['img1', 'xclick', '/m/a', '1', '0.14125', '0.2', '0.205', '0.5']


def test_float32_keeping_floor_values():
    values = np.array([0.14125 * 800, 0.0725 * 800, 0.205 * 600, 160.0, 2.5])
    # float64 products just below an integer (the reference's floor):
    assert np.floor(values).tolist() == [112, 57, 122, 160, 2]
    # a plain float32 cast crosses the integer for the first three:
    assert np.floor(values.astype(np.float32)).tolist() == [
        113, 58, 123, 160, 2
    ]
    out = float32_keeping_floor(values)
    assert out.dtype == np.float32
    assert np.floor(out).tolist() == [112, 57, 122, 160, 2]
    # the next float32 below 113 (113 - 2**-17); exact values untouched
    assert out[0] == np.float32(113 - 2.0**-17)
    assert out[3] == 160.0 and out[4] == 2.5


def test_boxes_to_array_keeps_floor():
    array = boxes_to_array([(0.14125 * 800, 0.205 * 600, 160.0, 300.0)],
                           'img1', 'features.npy')
    assert array.dtype == np.float32
    assert np.floor(array).tolist() == [[112, 122, 160, 300]]


def _write_tree(root):
    os.makedirs(osp.join(root, 'all_images'))
    Image.new('RGB', (800, 600)).save(osp.join(root, 'all_images',
                                               'img1.jpg'))
    np.save(
        osp.join(root, 'images_selected_new.npy'), {'img1': ['/m/a']},
        allow_pickle=True)
    np.save(
        osp.join(root, 'features.npy'), {'img1': {
            'data': [ROW]
        }},
        allow_pickle=True)


def test_ohms_faithful_crop_matches_reference_integers(tmp_path):
    root = str(tmp_path)
    _write_tree(root)
    dataset = OpenImagesOHMSDataset(data_root=root, box_file='features.npy')
    info = dataset.get_data_info(0)
    assert (info['width'], info['height']) == (800, 600)
    # Reference pixels: int(0.14125*800)=112, int(0.205*600)=122,
    # int(0.2*800)=160, int(0.5*600)=300.
    assert np.floor(info['gt_bboxes']).tolist() == [[112, 122, 160, 300]]

    def crop(dilation):
        results = dict(info)
        for step in (dict(type='LoadImageFromFile'),
                     dict(type='SelectObjectBox', box_source='gt'),
                     dict(type='ObjectCrop', dilation=dilation,
                          faithful=True)):
            results = TRANSFORMS.build(step)(results)
        return results['crop_box'].tolist()

    # dilation 0, x: 160 - 112 = 48 < 224 and 112 - 112 = 0 is not > 0, so
    # x1 = 0, x2 = 224, then 224 + 112 = 336 < 800: [0, 336] (case b).
    # y: 300 - 122 = 178 < 224, 122 - 112 = 10 > 0, 300 + 112 = 412 < 600:
    # [10, 412]. (With x1 = 113 it would be [1, 272], 64 px narrower.)
    assert crop(0.0) == [0, 10, 336, 412]
    # dilation 0.2: x1 = 112 - int(22.4) = 90, y1 = 122 - int(24.4) = 98,
    # x2 = 160 + 32 = 192, y2 = 300 + 60 = 360; x: 102 < 224 and
    # 90 - 112 <= 0 -> [0, 336]; y: 262 >= 224 -> kept [98, 360].
    assert crop(0.2) == [0, 98, 336, 360]

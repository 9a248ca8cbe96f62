"""Tests of COCODataset on a tiny instances json written in tmp_path."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

import mmmlc  # noqa: F401
from mmmlc.datasets import COCODataset
from mmmlc.registry import DATASETS


def coco_json():
    """Non-contiguous category ids (listed out of order), a crowd
    annotation, and image 3 without annotations."""
    return dict(
        images=[
            dict(id=7, file_name='a.jpg', width=32, height=24),
            dict(id=3, file_name='b.jpg', width=32, height=24),
            dict(id=5, file_name='c.jpg', width=32, height=24),
        ],
        annotations=[
            dict(id=1, image_id=7, category_id=1, bbox=[1, 2, 3, 4],
                 iscrowd=0),
            dict(id=2, image_id=7, category_id=3, bbox=[0, 0, 10, 5.5],
                 iscrowd=1),
            dict(id=3, image_id=3, category_id=10, bbox=[5, 6, 7, 8]),
        ],
        categories=[
            dict(id=10, name='apple'),
            dict(id=1, name='person'),
            dict(id=3, name='car'),
        ])


def write_tree(root, data):
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    os.makedirs(osp.join(root, 'train2014'), exist_ok=True)
    for img in data['images']:
        Image.new('RGB', (32, 24), (10, 200, 90)).save(
            osp.join(root, 'train2014', img['file_name']))
    with open(osp.join(root, 'annotations', 'instances.json'), 'w') as f:
        json.dump(data, f)


@pytest.fixture
def coco_root(tmp_path):
    root = str(tmp_path / 'coco')
    write_tree(root, coco_json())
    return root


def build(root, **kwargs):
    return COCODataset(
        data_root=root,
        ann_file='annotations/instances.json',
        data_prefix=dict(img_path='train2014'),
        **kwargs)


def test_category_id_order(coco_root):
    ds = build(coco_root)
    # person (id 1) -> 0, car (id 3) -> 1, apple (id 10) -> 2.
    assert ds.metainfo['classes'] == ('person', 'car', 'apple')
    assert len(ds) == 2
    a, b = ds.get_data_info(0), ds.get_data_info(1)
    assert a['img_path'] == osp.join(coco_root, 'train2014', 'a.jpg')
    assert (a['img_id'], a['width'], a['height']) == (7, 32, 24)
    assert a['gt_label'] == [0, 1]  # the crowd 'car' counts
    np.testing.assert_array_equal(
        a['gt_bboxes'],
        np.array([[1, 2, 4, 6], [0, 0, 10, 5.5]], dtype=np.float32))
    assert a['gt_bboxes'].dtype == np.float32
    assert a['gt_bboxes_labels'].dtype == np.int64
    assert a['gt_bboxes_labels'].tolist() == [0, 1]
    assert a['gt_bboxes_crowd'].tolist() == [False, True]
    assert b['img_id'] == 3 and b['gt_label'] == [2]
    np.testing.assert_array_equal(b['gt_bboxes'], [[5, 6, 12, 14]])
    assert b['gt_bboxes_crowd'].tolist() == [False]
    assert ds.get_cat_ids(0) == [0, 1]


def test_alphabetical_order(coco_root):
    ds = build(coco_root, class_order='alphabetical')
    assert ds.metainfo['classes'] == ('apple', 'car', 'person')
    assert ds.get_data_info(0)['gt_label'] == [1, 2]
    assert ds.get_data_info(0)['gt_bboxes_labels'].tolist() == [2, 1]
    assert ds.get_data_info(1)['gt_label'] == [0]


def test_keep_empty(coco_root):
    ds = build(coco_root, drop_empty=False)
    assert len(ds) == 3
    c = ds.get_data_info(2)
    assert c['img_id'] == 5 and c['gt_label'] == []
    assert c['gt_bboxes'].shape == (0, 4)
    assert c['gt_bboxes_labels'].shape == (0, )


def test_metainfo_classes_must_match(coco_root):
    ds = build(coco_root, metainfo=dict(classes=('person', 'car', 'apple')))
    assert len(ds) == 2
    with pytest.raises(ValueError, match='instances.json'):
        build(coco_root, metainfo=dict(classes=('apple', 'car', 'person')))


def test_bad_class_order(coco_root):
    with pytest.raises(ValueError, match="'category_id', 'alphabetical'"):
        build(coco_root, class_order='name')


def test_pipeline_and_registry(coco_root):
    ds = DATASETS.build(
        dict(
            type='COCODataset',
            data_root=coco_root,
            ann_file='annotations/instances.json',
            data_prefix=dict(img_path='train2014'),
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='Resize', scale=(32, 32)),
                dict(type='PackInputs')
            ]))
    out = ds[0]
    assert out['inputs'].shape == (3, 32, 32)
    assert out['data_samples'].gt_label.tolist() == [0, 1]
    assert out['data_samples'].img_path.endswith('a.jpg')


@pytest.mark.parametrize('remove, message', [
    ('.', 'data_root'),
    ('annotations/instances.json', 'instances.json'),
    ('train2014', 'image folder'),
    ('train2014/b.jpg', 'b.jpg'),
])
def test_missing_paths(coco_root, hide, remove, message):
    hide(coco_root, remove)
    with pytest.raises(FileNotFoundError, match=message):
        build(coco_root)


def test_missing_image_of_dropped_entry(coco_root, hide):
    # The image without annotations is dropped, so its absence is fine.
    hide(coco_root, 'train2014/c.jpg')
    assert len(build(coco_root)) == 2
    hide(coco_root, 'train2014/b.jpg')
    with pytest.raises(FileNotFoundError, match='1 image'):
        build(coco_root)


def test_malformed_json(coco_root):
    with open(osp.join(coco_root, 'annotations', 'instances.json'), 'w') as f:
        f.write('{"images": [')
    with pytest.raises(ValueError, match='Malformed.*instances.json'):
        build(coco_root)


@pytest.mark.parametrize('mutate, message', [
    (lambda d: d.pop('annotations'), "'annotations'"),
    (lambda d: d['annotations'][0].update(category_id=2),
     'unknown category id 2'),
    (lambda d: d['annotations'][0].update(image_id=99),
     'unknown image id 99'),
    (lambda d: d['images'][0].pop('width'), 'width'),
    (lambda d: d['annotations'][0].update(bbox=[1, 2, 3]), 'bbox'),
    (lambda d: d['annotations'][0].update(bbox=[10, 2, -3, 4]),
     "'a.jpg'"),
    (lambda d: d['categories'].append(dict(id=11, name='car')),
     'duplicate'),
])
def test_bad_content(tmp_path, mutate, message):
    data = coco_json()
    mutate(data)
    root = str(tmp_path / 'coco')
    write_tree(root, data)
    with pytest.raises(ValueError, match=message) as err:
        build(root)
    assert 'instances.json' in str(err.value)

"""Tests of MLGCNJsonDataset on tiny ML-GCN-style json files."""
import json
import os
import os.path as osp

import pytest
from PIL import Image

import mmmlc  # noqa: F401
from mmmlc.datasets import MLGCNJsonDataset
from mmmlc.registry import DATASETS

CATEGORY = {'person': 2, 'apple': 0, 'car': 1}
ANNO = [
    {'file_name': 'COCO_train2014_000000000009.jpg', 'labels': [2, 1, 2]},
    {'file_name': 'COCO_train2014_000000000025.jpg', 'labels': [0]},
]


def write_tree(root, category=CATEGORY, anno=ANNO):
    os.makedirs(osp.join(root, 'train2014'), exist_ok=True)
    for entry in ANNO:
        Image.new('RGB', (32, 24)).save(
            osp.join(root, 'train2014', entry['file_name']))
    with open(osp.join(root, 'category.json'), 'w') as f:
        json.dump(category, f)
    with open(osp.join(root, 'train_anno.json'), 'w') as f:
        json.dump(anno, f)


@pytest.fixture
def root(tmp_path):
    path = str(tmp_path / 'data')
    write_tree(path)
    return path


def test_labels(root):
    ds = DATASETS.build(dict(type='MLGCNJsonDataset', data_root=root))
    assert ds.metainfo['classes'] == ('apple', 'car', 'person')
    assert len(ds) == 2
    first = ds.get_data_info(0)
    assert first['img_path'] == osp.join(root, 'train2014',
                                         'COCO_train2014_000000000009.jpg')
    assert first['gt_label'] == [1, 2]
    assert ds.get_data_info(1)['gt_label'] == [0]
    assert ds.get_cat_ids(0) == [1, 2]


def test_custom_files(tmp_path):
    root = str(tmp_path / 'other')
    os.makedirs(osp.join(root, 'imgs'))
    Image.new('RGB', (8, 8)).save(osp.join(root, 'imgs', 'x.jpg'))
    with open(osp.join(root, 'cats.json'), 'w') as f:
        json.dump({'b': 1, 'a': 0}, f)
    with open(osp.join(root, 'val_anno.json'), 'w') as f:
        json.dump([{'file_name': 'x.jpg', 'labels': []}], f)
    ds = MLGCNJsonDataset(
        data_root=root,
        ann_file='val_anno.json',
        category_file='cats.json',
        data_prefix=dict(img_path='imgs'))
    assert ds.metainfo['classes'] == ('a', 'b')
    assert ds.get_data_info(0)['gt_label'] == []


@pytest.mark.parametrize('bad_label', [3, -1, 1.0, True, '1'])
def test_label_out_of_range(tmp_path, bad_label):
    root = str(tmp_path / 'data')
    anno = [ANNO[0], {'file_name': ANNO[1]['file_name'],
                      'labels': [0, bad_label]}]
    write_tree(root, anno=anno)
    with pytest.raises(ValueError) as err:
        MLGCNJsonDataset(data_root=root)
    text = str(err.value)
    assert 'train_anno.json' in text and 'entry 1' in text
    assert 'COCO_train2014_000000000025.jpg' in text


@pytest.mark.parametrize('content, message', [
    (dict(anno={'file_name': 'a.jpg'}), 'json list'),
    (dict(anno=[{'file_name': 'a.jpg'}]), 'entry 0'),
    (dict(anno=[['a.jpg', [0]]]), 'entry 0'),
    (dict(category={'a': 0, 'b': 2}), 'exactly'),
    (dict(category={'a': 0, 'b': 0}), 'exactly'),
    (dict(category=['a', 'b']), 'mapping'),
    (dict(category={'a': '0'}), 'mapping'),
])
def test_bad_content(tmp_path, content, message):
    root = str(tmp_path / 'data')
    write_tree(root, **content)
    with pytest.raises(ValueError, match=message) as err:
        MLGCNJsonDataset(data_root=root)
    named = 'category.json' if 'category' in content else 'train_anno.json'
    assert named in str(err.value)


def test_malformed_json(root):
    with open(osp.join(root, 'train_anno.json'), 'w') as f:
        f.write('[{"file_name": ')
    with pytest.raises(ValueError, match='Malformed json.*train_anno.json'):
        MLGCNJsonDataset(data_root=root)


def test_metainfo_must_match(root):
    with pytest.raises(ValueError, match='category.json'):
        MLGCNJsonDataset(
            data_root=root, metainfo=dict(classes=('car', 'apple', 'person')))


@pytest.mark.parametrize('remove, message', [
    ('.', 'data_root'),
    ('category.json', 'category.json'),
    ('train_anno.json', 'train_anno.json'),
    ('train2014', 'image folder'),
    ('train2014/COCO_train2014_000000000025.jpg',
     'COCO_train2014_000000000025.jpg'),
])
def test_missing_files(root, hide, remove, message):
    hide(root, remove)
    with pytest.raises(FileNotFoundError, match=message):
        MLGCNJsonDataset(data_root=root)

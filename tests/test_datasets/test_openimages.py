"""Tests of OpenImagesOHMSDataset on tiny np.save'd dicts."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

import mmmlc  # noqa: F401
from mmmlc.datasets import OpenImagesOHMSDataset
from mmmlc.datasets.openimages import read_image_sizes
from mmmlc.registry import DATASETS

TRAIN = {'img1': ['/m/b', '/m/a', '/m/b'], 'img2': ['/m/c', '/m/b']}
TEST = {'img3': ['/m/c']}
FEATURES = {
    'img1': {
        'data': [
            # ImageID, Source, LabelName, Confidence, XMin, XMax, YMin, YMax
            ['img1', 'xclick', '/m/b', '1', '0.25', '0.75', '0.5', '1.0'],
            ['img1', 'xclick', '/m/zzz', 1, 0.0, 0.5, 0.0, 0.5, 0, 1],
        ]
    },
    'img2': {
        'data': []
    },
}


def save_dict(path, obj):
    np.save(path, obj, allow_pickle=True)


def write_tree(root, train=TRAIN, test=TEST, features=FEATURES):
    os.makedirs(osp.join(root, 'all_images'), exist_ok=True)
    os.makedirs(osp.join(root, 'test'), exist_ok=True)
    for image_id in train:
        Image.new('RGB', (32, 24)).save(
            osp.join(root, 'all_images', f'{image_id}.jpg'))
    for image_id in test:
        Image.new('RGB', (40, 20)).save(
            osp.join(root, 'test', f'{image_id}.jpg'))
    save_dict(osp.join(root, 'images_selected_new.npy'), train)
    save_dict(osp.join(root, 'images_selected_test_40k.npy'), test)
    save_dict(
        osp.join(root, 'images_selected_with_all_features.npy'), features)


@pytest.fixture
def root(tmp_path):
    path = str(tmp_path / 'ohms')
    write_tree(path)
    return path


def test_labels_first_appearance(root):
    ds = DATASETS.build(dict(type='OpenImagesOHMSDataset', data_root=root))
    assert ds.metainfo['classes'] == ('/m/b', '/m/a', '/m/c')
    assert len(ds) == 2
    first = ds.get_data_info(0)
    assert first['img_path'] == osp.join(root, 'all_images', 'img1.jpg')
    assert first['img_id'] == 'img1'
    assert first['gt_label'] == [0, 1]
    assert 'gt_bboxes' not in first
    assert ds.get_data_info(1)['gt_label'] == [0, 2]
    assert ds.get_cat_ids(1) == [0, 2]


def test_test_split_uses_train_label_space(root):
    ds = OpenImagesOHMSDataset(
        data_root=root,
        ann_file='images_selected_test_40k.npy',
        data_prefix=dict(img_path='test'))
    assert ds.metainfo['classes'] == ('/m/b', '/m/a', '/m/c')
    assert ds.get_data_info(0)['gt_label'] == [2]


def test_unknown_mid_in_test_dict(tmp_path):
    root = str(tmp_path / 'ohms')
    write_tree(root, test={'img3': ['/m/c', '/m/new']})
    with pytest.raises(ValueError) as err:
        OpenImagesOHMSDataset(
            data_root=root,
            ann_file='images_selected_test_40k.npy',
            data_prefix=dict(img_path='test'))
    text = str(err.value)
    assert 'images_selected_test_40k.npy' in text and "'img3'" in text
    assert '/m/new' in text and 'images_selected_new.npy' in text


def test_boxes_from_jpeg_headers(root):
    ds = OpenImagesOHMSDataset(
        data_root=root, box_file='images_selected_with_all_features.npy')
    first = ds.get_data_info(0)
    assert (first['width'], first['height']) == (32, 24)
    np.testing.assert_array_equal(
        first['gt_bboxes'],
        np.array([[8, 12, 24, 24], [0, 0, 16, 12]], dtype=np.float32))
    assert first['gt_bboxes'].dtype == np.float32
    # '/m/zzz' is outside the label space: box kept, label -1.
    assert first['gt_bboxes_labels'].tolist() == [0, -1]
    assert first['gt_bboxes_labels'].dtype == np.int64
    second = ds.get_data_info(1)
    assert second['gt_bboxes'].shape == (0, 4)
    assert second['gt_bboxes_labels'].shape == (0, )


def test_boxes_from_size_file(root):
    with open(osp.join(root, 'sizes.json'), 'w') as f:
        json.dump({'img1': [100, 50], 'img2': [10, 10]}, f)
    ds = OpenImagesOHMSDataset(
        data_root=root,
        box_file='images_selected_with_all_features.npy',
        image_sizes='sizes.json')
    first = ds.get_data_info(0)
    assert (first['width'], first['height']) == (100, 50)
    np.testing.assert_array_equal(first['gt_bboxes'][0], [25, 25, 75, 50])
    with open(osp.join(root, 'sizes.json'), 'w') as f:
        json.dump({'img1': [100, 50]}, f)
    with pytest.raises(ValueError, match="sizes.json.*'img2'"):
        OpenImagesOHMSDataset(
            data_root=root,
            box_file='images_selected_with_all_features.npy',
            image_sizes='sizes.json')


def test_read_image_sizes(root):
    assert read_image_sizes([osp.join(root, 'test', 'img3.jpg')]) == [(40, 20)]


@pytest.mark.parametrize('features, message', [
    ({'img1': FEATURES['img1']}, "'img2'"),
    (dict(FEATURES, img2={'rows': []}), "'img2'"),
    (dict(FEATURES, img2={'data': [['img2', 's', '/m/b', 1, 0.75, 0.25,
                                    0.0, 1.0]]}), "'img2'"),
    (dict(FEATURES, img2={'data': [['img2', 's', '/m/b', 1, 0, 50,
                                    0, 20]]}), 'normalised'),
    (dict(FEATURES, img2={'data': [['img2', 's', '/m/b', 1, 'x', 1, 0,
                                    1]]}), 'row 0'),
    (dict(FEATURES, img2={'data': [['img2', 's', '/m/b']]}), 'row 0'),
])
def test_bad_box_file(tmp_path, features, message):
    root = str(tmp_path / 'ohms')
    write_tree(root, features=features)
    with pytest.raises(ValueError, match=message) as err:
        OpenImagesOHMSDataset(
            data_root=root, box_file='images_selected_with_all_features.npy')
    assert 'images_selected_with_all_features.npy' in str(err.value)


@pytest.mark.parametrize('content, message', [
    (np.arange(3), 'dict saved with np.save'),
    (['img1', 'img2'], 'dict saved with np.save'),
])
def test_not_a_pickled_dict(root, content, message):
    np.save(osp.join(root, 'images_selected_new.npy'), content)
    with pytest.raises(ValueError, match=message) as err:
        OpenImagesOHMSDataset(data_root=root)
    assert 'images_selected_new.npy' in str(err.value)


def test_bad_label_dict_values(tmp_path):
    root = str(tmp_path / 'ohms')
    write_tree(root, train={'img1': '/m/a', 'img2': ['/m/b']})
    with pytest.raises(ValueError, match="images_selected_new.npy.*'img1'"):
        OpenImagesOHMSDataset(data_root=root)


def test_corrupt_npy(root):
    with open(osp.join(root, 'images_selected_new.npy'), 'wb') as f:
        f.write(b'not a numpy file')
    with pytest.raises(ValueError, match='images_selected_new.npy'):
        OpenImagesOHMSDataset(data_root=root)


def test_metainfo_must_match(root):
    with pytest.raises(ValueError, match='images_selected_new.npy'):
        OpenImagesOHMSDataset(
            data_root=root, metainfo=dict(classes=('/m/a', '/m/b', '/m/c')))


@pytest.mark.parametrize('remove, message', [
    ('.', 'data_root'),
    ('images_selected_new.npy', 'images_selected_new.npy'),
    ('all_images', 'image folder'),
    ('all_images/img2.jpg', 'img2.jpg'),
])
def test_missing_files(root, hide, remove, message):
    hide(root, remove)
    with pytest.raises(FileNotFoundError, match=message):
        OpenImagesOHMSDataset(data_root=root)


def test_missing_box_file(root):
    with pytest.raises(FileNotFoundError, match='boxes.npy'):
        OpenImagesOHMSDataset(data_root=root, box_file='boxes.npy')

"""Tests of NUSWIDEDataset on a tiny tree in the official layout."""
import os
import os.path as osp

import pytest
from PIL import Image

import mmmlc  # noqa: F401
from mmmlc.datasets import NUSWIDEDataset
from mmmlc.datasets.nuswide import image_key
from mmmlc.registry import DATASETS

# Rows of Imagelist.txt (the label files align with these rows).
ALL = ['actor/0001_11.jpg', 'actor/0002_22.jpg', 'beach/0003_33.jpg',
       'zoo/0004_44.jpg']
LABELS = {  # per concept, one value per row of ALL
    'animal': [1, 0, 0, 1],
    'beach': [0, 0, 1, 0],
    'sky': [1, 0, 1, 0],
}


def write_lines(path, lines, newline='\n'):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', newline='') as f:
        f.write(newline.join(lines) + newline)


def write_tree(root, labels=LABELS):
    write_lines(osp.join(root, 'Concepts81.txt'), list(LABELS), '\r\n')
    # Imagelist.txt carries the absolute Windows prefix, the split lists not.
    write_lines(
        osp.join(root, 'ImageList', 'Imagelist.txt'),
        ['C:\\ImageData\\Flickr\\' + p.replace('/', '\\') for p in ALL],
        '\r\n')
    # Split order differs from Imagelist.txt to exercise the row mapping.
    write_lines(
        osp.join(root, 'ImageList', 'TrainImagelist.txt'),
        ['beach\\0003_33.jpg', 'actor\\0001_11.jpg'], '\r\n')
    write_lines(
        osp.join(root, 'ImageList', 'TestImagelist.txt'),
        ['actor\\0002_22.jpg', 'zoo\\0004_44.jpg'])
    for concept, values in labels.items():
        write_lines(
            osp.join(root, 'Groundtruth', 'AllLabels',
                     f'Labels_{concept}.txt'), [str(v) for v in values])
    for path in ALL:
        os.makedirs(osp.join(root, 'Flickr', osp.dirname(path)), exist_ok=True)
        Image.new('RGB', (32, 24)).save(osp.join(root, 'Flickr', path))


@pytest.fixture
def root(tmp_path):
    path = str(tmp_path / 'NUS-WIDE')
    write_tree(path)
    return path


def test_image_key():
    assert image_key('C:\\ImageData\\Flickr\\actor\\0001_1.jpg',
                     'f') == 'actor/0001_1.jpg'
    assert image_key('actor\\0001_1.jpg', 'f') == 'actor/0001_1.jpg'
    with pytest.raises(ValueError, match='lst.txt'):
        image_key('0001_1.jpg', 'lst.txt')


def test_train_split(root):
    ds = DATASETS.build(dict(type='NUSWIDEDataset', data_root=root))
    assert ds.metainfo['classes'] == ('animal', 'beach', 'sky')
    assert len(ds) == 2
    first, second = ds.get_data_info(0), ds.get_data_info(1)
    assert first['img_path'] == osp.join(root, 'Flickr', 'beach',
                                         '0003_33.jpg')
    assert first['gt_label'] == [1, 2]
    assert second['img_path'] == osp.join(root, 'Flickr', 'actor',
                                          '0001_11.jpg')
    assert second['gt_label'] == [0, 2]
    assert ds.get_cat_ids(1) == [0, 2]


def test_test_split_drops_unlabelled(root):
    ds = NUSWIDEDataset(data_root=root, ann_file='ImageList/TestImagelist.txt')
    # actor/0002_22 has no positive concept and is dropped.
    assert len(ds) == 1
    assert ds.get_data_info(0)['img_path'].endswith('zoo/0004_44.jpg')
    assert ds.get_data_info(0)['gt_label'] == [0]


def test_concept_subset(root):
    ds = NUSWIDEDataset(
        data_root=root, metainfo=dict(classes=('sky', 'animal')))
    assert ds.metainfo['classes'] == ('sky', 'animal')
    assert [ds.get_data_info(i)['gt_label'] for i in range(2)] == [[0], [0, 1]]
    with pytest.raises(ValueError) as err:
        NUSWIDEDataset(data_root=root, metainfo=dict(classes=('cloud', )))
    assert 'Concepts81.txt' in str(err.value) and "'cloud'" in str(err.value)
    assert "'animal'" in str(err.value)


def test_label_file_errors(tmp_path):
    root = str(tmp_path / 'short')
    write_tree(root, dict(LABELS, sky=[1, 0, 1]))
    with pytest.raises(ValueError, match='Labels_sky.txt.*3 values.*4'):
        NUSWIDEDataset(data_root=root)
    root = str(tmp_path / 'two')
    write_tree(root, dict(LABELS, beach=[0, 2, 1, 0]))
    with pytest.raises(ValueError, match="Labels_beach.txt.*'2'"):
        NUSWIDEDataset(data_root=root)


@pytest.mark.parametrize('image_list, lines, message', [
    # A split image absent from the all-image list.
    ('TrainImagelist.txt', ['actor\\0001_11.jpg', 'cat\\0009_99.jpg'],
     "TrainImagelist.txt.*'cat/0009_99"),
    # The same image twice in the all-image list.
    ('Imagelist.txt',
     ['actor\\0001_11.jpg', 'C:\\ImageData\\Flickr\\actor\\0001_11.jpg'],
     'Imagelist.txt.*twice'),
])
def test_bad_image_lists(root, image_list, lines, message):
    write_lines(osp.join(root, 'ImageList', image_list), lines)
    with pytest.raises(ValueError, match=message):
        NUSWIDEDataset(data_root=root)


@pytest.mark.parametrize('remove, message', [
    ('.', 'data_root'),
    ('Concepts81.txt', 'Concepts81.txt'),
    ('ImageList/TrainImagelist.txt', 'TrainImagelist.txt'),
    ('ImageList/Imagelist.txt', 'Imagelist.txt'),
    ('Groundtruth/AllLabels/Labels_sky.txt', 'Labels_sky.txt'),
    ('Groundtruth/AllLabels', 'label folder'),
    ('Flickr', 'image folder'),
    ('Flickr/actor/0001_11.jpg', '0001_11.jpg'),
])
def test_missing_files(root, hide, remove, message):
    hide(root, remove)
    with pytest.raises(FileNotFoundError, match=message):
        NUSWIDEDataset(data_root=root)

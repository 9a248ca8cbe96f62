"""Tests of VOCDataset on a tiny VOC tree written in tmp_path."""
import os
import os.path as osp
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from PIL import Image

import mmmlc  # noqa: F401
from mmmlc.datasets import VOCDataset
from mmmlc.registry import DATASETS

CLASSES = VOCDataset.METAINFO['classes']
BIRD, CAR, CAT, DOG, PERSON = (CLASSES.index(c)
                               for c in ('bird', 'car', 'cat', 'dog',
                                         'person'))


def obj_xml(name, box, difficult=None):
    """An <object> element; difficult=None leaves the tag out."""
    tag = '' if difficult is None else f'<difficult>{difficult}</difficult>'
    xmin, ymin, xmax, ymax = box
    return (f'<object><name>{name}</name>{tag}<bndbox><xmin>{xmin}</xmin>'
            f'<ymin>{ymin}</ymin><xmax>{xmax}</xmax><ymax>{ymax}</ymax>'
            '</bndbox></object>')


def write_xml(root, img_id, objects, extra=''):
    with open(osp.join(root, 'Annotations', f'{img_id}.xml'), 'w') as f:
        f.write(f'<annotation><filename>{img_id}.jpg</filename><size>'
                '<width>32</width><height>24</height><depth>3</depth></size>'
                f'{extra}{"".join(objects)}</annotation>')


@pytest.fixture
def voc_root(tmp_path):
    """Two images: 000001 with a difficult duplicate of a positive class,
    000002 with a difficult-only class (bird) and a car without <difficult>.
    """
    root = str(tmp_path / 'VOC2007')
    for sub in ('Annotations', 'JPEGImages', 'ImageSets/Main'):
        os.makedirs(osp.join(root, sub))
    for img_id in ('000001', '000002'):
        Image.new('RGB', (32, 24), (120, 30, 200)).save(
            osp.join(root, 'JPEGImages', f'{img_id}.jpg'))
    write_xml(root, '000001', [
        obj_xml('dog', (10, 20, 30, 24), 0),
        obj_xml('person', (5, 5, 15, 20), 1),
        obj_xml('person', (1, 1, 32, 24), 0),
    ], extra='<scene>2</scene>')
    write_xml(root, '000002', [
        obj_xml('cat', (2, 3, 4, 5), 0),
        obj_xml('bird', (6, 7, 8, 9), 1),
        obj_xml('car', (11, 12, 13, 14)),
    ])
    with open(osp.join(root, 'ImageSets/Main/trainval.txt'), 'w') as f:
        f.write('000001\n000002\n')
    return root


def test_labels_and_boxes(voc_root):
    ds = VOCDataset(data_root=voc_root)
    assert len(ds) == 2
    assert ds.metainfo['classes'] == CLASSES and len(CLASSES) == 20
    assert CLASSES[0] == 'aeroplane' and CLASSES[-1] == 'tvmonitor'
    first, second = ds.get_data_info(0), ds.get_data_info(1)
    assert first['img_path'] == osp.join(voc_root, 'JPEGImages', '000001.jpg')
    assert (first['img_id'], first['width'], first['height']) == ('000001',
                                                                  32, 24)
    assert first['gt_label'] == [DOG, PERSON]
    assert first['gt_label_difficult'] == []
    # 1-based inclusive VOC pixels -> 0-based continuous x1,y1,x2,y2.
    np.testing.assert_array_equal(
        first['gt_bboxes'],
        np.array([[9, 19, 30, 24], [4, 4, 15, 20], [0, 0, 32, 24]],
                 dtype=np.float32))
    assert first['gt_bboxes'].dtype == np.float32
    assert first['gt_bboxes_labels'].dtype == np.int64
    assert first['gt_bboxes_labels'].tolist() == [DOG, PERSON, PERSON]
    assert first['gt_bboxes_difficult'].tolist() == [False, True, False]
    assert second['gt_label'] == [CAR, CAT]
    assert second['gt_label_difficult'] == [BIRD]
    assert second['gt_bboxes_difficult'].tolist() == [False, True, False]
    np.testing.assert_array_equal(
        second['gt_bboxes'],
        np.array([[1, 2, 4, 5], [5, 6, 8, 9], [10, 11, 13, 14]],
                 dtype=np.float32))
    assert ds.get_cat_ids(1) == [CAR, CAT]


def test_difficult_as_positive(voc_root):
    ds = VOCDataset(data_root=voc_root, difficult_as_positive=True)
    second = ds.get_data_info(1)
    assert second['gt_label'] == [BIRD, CAR, CAT]
    assert second['gt_label_difficult'] == []
    assert second['gt_bboxes_difficult'].tolist() == [False, True, False]
    assert ds.get_data_info(0)['gt_label'] == [DOG, PERSON]


def test_metainfo_classes_and_registry(voc_root):
    ds = DATASETS.build(
        dict(
            type='VOCDataset',
            data_root=voc_root,
            metainfo=dict(classes=('person', 'dog', 'cat', 'car', 'bird'))))
    assert ds.metainfo['classes'] == ('person', 'dog', 'cat', 'car', 'bird')
    assert ds.get_data_info(0)['gt_label'] == [0, 1]
    assert ds.get_data_info(1)['gt_label'] == [2, 3]
    assert ds.get_data_info(1)['gt_label_difficult'] == [4]
    assert ds.get_data_info(1)['gt_bboxes_labels'].tolist() == [2, 4, 3]


def test_parse_extra_hook(voc_root):

    class SceneVOC(VOCDataset):

        def parse_extra(self, root):
            scene = root.find('scene')
            return {} if scene is None else dict(scene=int(scene.text))

    ds = SceneVOC(data_root=voc_root)
    assert ds.get_data_info(0)['scene'] == 2
    assert 'scene' not in ds.get_data_info(1)

    class Clobber(VOCDataset):

        def parse_extra(self, root):
            return dict(gt_label=[0])

    with pytest.raises(KeyError, match='gt_label'):
        Clobber(data_root=voc_root)


def test_pipeline(voc_root):
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(32, 32)),
        dict(type='PackInputs')
    ]
    ds = VOCDataset(data_root=voc_root, pipeline=pipeline)
    out = ds[1]
    assert out['inputs'].shape == (3, 32, 32)
    assert out['data_samples'].gt_label.tolist() == [CAR, CAT]
    # The JPEG is a flat colour; BGR order after loading.
    assert torch.allclose(out['inputs'][:, 16, 16].float(),
                          torch.tensor([200., 30., 120.]), atol=6)


def test_lazy_init(voc_root):
    ds = VOCDataset(data_root=voc_root, lazy_init=True)
    assert not ds._fully_initialized
    assert len(ds) == 2


@pytest.mark.parametrize('remove, message', [
    ('.', 'data_root'),
    ('ImageSets/Main/trainval.txt', 'trainval.txt'),
    ('Annotations', 'XML folder'),
    ('JPEGImages', 'image folder'),
    ('Annotations/000002.xml', '000002.xml'),
    ('JPEGImages/000002.jpg', '000002.jpg'),
])
def test_missing_paths(voc_root, hide, remove, message):
    hide(voc_root, remove)
    with pytest.raises(FileNotFoundError, match=message):
        VOCDataset(data_root=voc_root)


def test_malformed_xml(voc_root):
    with open(osp.join(voc_root, 'Annotations', '000002.xml'), 'w') as f:
        f.write('<annotation><size>')
    with pytest.raises(ValueError, match='Malformed XML.*000002.xml'):
        VOCDataset(data_root=voc_root)


def test_xml_without_size(voc_root):
    path = osp.join(voc_root, 'Annotations', '000001.xml')
    tree = ET.parse(path)
    tree.getroot().remove(tree.getroot().find('size'))
    tree.write(path)
    with pytest.raises(ValueError, match='000001.xml.*<size>'):
        VOCDataset(data_root=voc_root)


def test_unknown_class(voc_root):
    write_xml(voc_root, '000002', [obj_xml('unicorn', (1, 1, 2, 2), 0)])
    with pytest.raises(ValueError) as err:
        VOCDataset(data_root=voc_root)
    text = str(err.value)
    assert '000002.xml' in text and "'unicorn'" in text
    assert 'aeroplane' in text and 'tvmonitor' in text


def test_reversed_box(voc_root):
    write_xml(voc_root, '000002', [obj_xml('cat', (20, 1, 10, 2), 0)])
    with pytest.raises(ValueError, match="000002.xml.*'000002'"):
        VOCDataset(data_root=voc_root)


def test_bad_difficult_value(voc_root):
    write_xml(voc_root, '000002', [obj_xml('cat', (1, 1, 2, 2), 'yes')])
    with pytest.raises(ValueError, match='000002.xml.*difficult'):
        VOCDataset(data_root=voc_root)


def test_class_specific_list_rejected(voc_root):
    path = osp.join(voc_root, 'ImageSets/Main/cat_trainval.txt')
    with open(path, 'w') as f:
        f.write('000001 -1\n000002  1\n')
    with pytest.raises(ValueError, match='cat_trainval.txt.*line 1'):
        VOCDataset(
            data_root=voc_root, ann_file='ImageSets/Main/cat_trainval.txt')


def test_deeplab_style_train_aug_list(voc_root):
    path = osp.join(voc_root, 'ImageSets/Main/train_aug.txt')
    with open(path, 'w') as f:
        f.write('/JPEGImages/000002.jpg /SegmentationClassAug/000002.png\n'
                '000001\n')
    dataset = VOCDataset(
        data_root=voc_root, ann_file='ImageSets/Main/train_aug.txt')
    assert [info['img_id'] for info in dataset.load_data_list()] == [
        '000002', '000001'
    ]
    assert dataset.get_data_info(0)['gt_label'] == sorted([CAT, CAR])

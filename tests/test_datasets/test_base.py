"""Tests of the shared dataset checks and MultiLabelFileDataset."""
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

import mmmlc  # noqa: F401
from mmmlc.datasets.base import (MultiLabelFileDataset, boxes_to_array,
                                 check_files_exist, class_index, join_root,
                                 load_json, read_lines, read_text,
                                 require_choice)


class ToyDataset(MultiLabelFileDataset):
    """``<image> <class>,<class>`` per line; classes from ``classes.txt``."""

    FOLDERS = dict(img_path=('imgs', 'the toy image folder'))
    REPR_ATTRS = ('class_file', )

    def __init__(self, data_root, ann_file='list.txt', **kwargs):
        self.class_file = join_root(data_root, 'classes.txt')
        super().__init__(ann_file, data_root, **kwargs)

    def parse_annotations(self):
        classes = read_lines(self.class_file, 'the toy class list')
        class_to_idx = self._set_classes(classes, defined_by=self.class_file)
        data_list = []
        for line in read_lines(self.ann_file, 'a toy image list'):
            name, labels = line.split()
            data_list.append(
                dict(
                    img_path=osp.join(self.data_prefix['img_path'], name),
                    gt_label=sorted(class_to_idx[c]
                                    for c in labels.split(','))))
        return data_list


@pytest.fixture
def root(tmp_path):
    path = tmp_path / 'toy'
    (path / 'imgs').mkdir(parents=True)
    for name in ('a.jpg', 'b.jpg'):
        Image.new('RGB', (8, 8)).save(path / 'imgs' / name)
    (path / 'classes.txt').write_text('cat\ndog\n\n')
    (path / 'list.txt').write_text('a.jpg dog,cat\n  b.jpg dog  \n')
    return str(path)


def test_reads_through_the_subclass_parser(root):
    ds = ToyDataset(data_root=root)
    assert ds.metainfo['classes'] == ('cat', 'dog')
    assert ds.data_prefix['img_path'] == osp.join(root, 'imgs')
    assert [ds.get_data_info(i)['gt_label'] for i in range(2)] == [[0, 1], [1]]
    assert ds.get_cat_ids(1) == [1]
    assert f'class_file: \t{osp.join(root, "classes.txt")}' in repr(ds)


def test_data_prefix_overrides_the_default(root):
    os.rename(osp.join(root, 'imgs'), osp.join(root, 'pictures'))
    ds = ToyDataset(data_root=root, data_prefix=dict(img_path='pictures'))
    assert ds.get_data_info(0)['img_path'] == osp.join(root, 'pictures',
                                                       'a.jpg')


def test_lazy_init_reads_nothing_until_full_init(tmp_path):
    ds = ToyDataset(data_root=str(tmp_path / 'nowhere'), lazy_init=True)
    with pytest.raises(FileNotFoundError, match='data_root of ToyDataset'):
        ds.full_init()


def test_missing_inputs(root, hide):
    hide(root, 'imgs/b.jpg')
    with pytest.raises(FileNotFoundError, match=r"1 image.*list.txt.*b\.jpg"):
        ToyDataset(data_root=root)
    hide(root, 'imgs')
    with pytest.raises(FileNotFoundError, match='the toy image folder'):
        ToyDataset(data_root=root)


def test_classes_defined_by_a_file(root):
    ToyDataset(data_root=root, metainfo=dict(classes=('cat', 'dog')))
    with pytest.raises(ValueError, match='classes.txt') as err:
        ToyDataset(data_root=root, metainfo=dict(classes=('dog', 'cat')))
    assert "Leave metainfo['classes'] unset" in str(err.value)


def test_filter_cfg_is_not_taken(root):
    # mmengine would accept it and silently filter nothing.
    with pytest.raises(TypeError, match='filter_cfg'):
        ToyDataset(data_root=root, filter_cfg=dict(filter_empty_gt=True))


def test_text_and_json_readers(tmp_path):
    path = tmp_path / 'x.json'
    path.write_bytes(b'\xff\xfe')
    with pytest.raises(ValueError, match='x.json: expected the x as UTF-8'):
        read_text(str(path), 'the x')
    path.write_text('{"a": ')
    with pytest.raises(ValueError, match=r'Malformed json in .*x.json \(X\)'):
        load_json(str(path), 'X')
    path.write_text('{"a": 1}')
    assert load_json(str(path), 'X') == {'a': 1}
    with pytest.raises(FileNotFoundError, match=r'the \{id: size\} table'):
        load_json(str(tmp_path / 'y.json'), 'the {id: size} table')


def test_join_root():
    assert join_root('data', 'a.txt') == osp.join('data', 'a.txt')
    assert join_root('data', '/abs/a.txt') == '/abs/a.txt'
    assert join_root('', 'a.txt') == 'a.txt'
    assert join_root('data', None) is None


def test_small_checks(tmp_path):
    with pytest.raises(ValueError, match=r"mode must be one of \('a', 'b'\)"):
        require_choice('c', ['a', 'b'], 'mode')
    with pytest.raises(ValueError, match="f.xml: unknown class 'cow'"):
        class_index('cow', {'cat': 0}, 'f.xml')
    with pytest.raises(ValueError, match=r"box \[2.0, 0.0, 1.0, 1.0\]"):
        boxes_to_array([[2, 0, 1, 1]], 'img', 'f.json')
    assert boxes_to_array([], 'img', 'f.json').shape == (0, 4)
    assert boxes_to_array([[0, 0, 1, 1]], 'i', 'f').dtype == np.float32
    (tmp_path / 'a.jpg').write_bytes(b'')
    check_files_exist([str(tmp_path / 'a.jpg')], 'list.txt')
    with pytest.raises(FileNotFoundError, match='2 image'):
        check_files_exist([str(tmp_path / n) for n in 'bc'], 'list.txt')

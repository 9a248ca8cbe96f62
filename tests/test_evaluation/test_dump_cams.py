"""The offline CAM files: DumpCAMs, save_cam_file / load_cam_file."""
import os

import numpy as np
import pytest
import torch

import mmmlc  # noqa: F401
from mmmlc.evaluation.metrics.dump_cams import (CAM_FILE_KEYS, DumpCAMs,
                                                cam_file_path, load_cam_file,
                                                save_cam_file)

CLASSES = ['cat', 'dog', 'person']


def _sample(img_path, keys, h=9, w=13):
    torch.manual_seed(len(keys))
    k = len(keys)
    return dict(img_path=img_path, cam_keys=torch.tensor(keys),
                cam_stride4=torch.rand(k, -(-h // 4), -(-w // 4)),
                cam_high_res=torch.rand(k, h, w),
                pred_score=torch.tensor([0.9, 0.2, 0.7]))


def test_metric_writes_one_file_per_image_with_exactly_the_keys(tmp_path):
    out = str(tmp_path / 'cams')
    metric = DumpCAMs(out)
    metric.dataset_meta = dict(classes=CLASSES)
    samples = [_sample('data/JPEGImages/2007_000033.jpg', [0, 2]),
               _sample('data/JPEGImages/2008_000001.png', [1])]
    metric.process(None, samples)
    assert metric.evaluate(2) == {'cams/images': 2}
    assert sorted(os.listdir(out)) == ['2007_000033.npz', '2008_000001.npz']
    with np.load(os.path.join(out, '2007_000033.npz'),
                 allow_pickle=False) as data:
        assert sorted(data.files) == sorted(CAM_FILE_KEYS)
        assert data['keys'].dtype == np.int64
        assert data['keys'].tolist() == [0, 2]
        assert data['cam'].dtype == data['high_res'].dtype == np.float32
        assert data['cam'].shape == (2, 3, 4)
        assert data['high_res'].shape == (2, 9, 13)
        assert str(data['img_key']) == '2007_000033.jpg'
        assert data['classes'].tolist() == CLASSES
        assert data['scores'].dtype == np.float32
        np.testing.assert_allclose(data['scores'], [0.9, 0.2, 0.7])
        np.testing.assert_array_equal(
            data['high_res'], samples[0]['cam_high_res'].numpy())


def test_round_trip(tmp_path):
    path = str(tmp_path / 'a.npz')
    cam, high = np.random.rand(2, 3, 4), np.random.rand(2, 9, 13)
    save_cam_file(path, [1, 2], cam, high, 'a.jpg', CLASSES, [.1, .5, .9])
    got = load_cam_file(path, CLASSES)
    assert got['img_key'] == 'a.jpg' and got['classes'] == CLASSES
    assert got['keys'].tolist() == [1, 2]
    np.testing.assert_array_equal(got['cam'], cam.astype(np.float32))
    np.testing.assert_array_equal(got['high_res'], high.astype(np.float32))
    # an image without classes (a training image without labels)
    save_cam_file(path, [], np.zeros((0, 3, 4)), np.zeros((0, 9, 13)),
                  'a.jpg', CLASSES, [0, 0, 0])
    assert load_cam_file(path)['high_res'].shape == (0, 9, 13)
    assert cam_file_path('d', '/x/y/b.c.jpg') == os.path.join('d', 'b.c.npz')


def test_other_class_list_is_refused_naming_the_file(tmp_path):
    path = str(tmp_path / 'a.npz')
    save_cam_file(path, [0], np.zeros((1, 2, 2)), np.zeros((1, 5, 5)),
                  'a.jpg', CLASSES, [0, 0, 0])
    with pytest.raises(ValueError, match=r'a\.npz.*3 classes.*another'):
        load_cam_file(path, ['0', '1', '2', '3'])


def test_truncated_and_missing_files_name_the_file(tmp_path):
    path = str(tmp_path / 'b.npz')
    save_cam_file(path, [0], np.ones((1, 8, 8)), np.ones((1, 30, 30)),
                  'b.jpg', CLASSES, [0, 0, 0])
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r'b\.npz cannot be read.*truncated'):
        load_cam_file(path, CLASSES)
    with pytest.raises(FileNotFoundError, match=r'c\.npz not found'):
        load_cam_file(str(tmp_path / 'c.npz'))


def test_missing_key_and_bad_shapes_name_the_file(tmp_path):
    path = str(tmp_path / 'd.npz')
    np.savez(path, keys=np.array([0]), cam=np.zeros((1, 2, 2), np.float32),
             high_res=np.zeros((1, 5, 5), np.float32),
             classes=np.array(CLASSES), scores=np.zeros(3, np.float32))
    with pytest.raises(ValueError, match=r"d\.npz lacks \['img_key'\]"):
        load_cam_file(path)
    np.savez(path, keys=np.array([0, 3]), cam=np.zeros((1, 2, 2)),
             high_res=np.zeros((2, 5, 5)), img_key=np.array('d.jpg'),
             classes=np.array(CLASSES), scores=np.zeros(3))
    with pytest.raises(ValueError, match=r'd\.npz: keys \[0, 3\].*; cam '
                       r'must be \(K=2'):
        load_cam_file(path)


def test_metric_refuses_samples_without_cams(tmp_path):
    metric = DumpCAMs(str(tmp_path))
    metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(ValueError, match=r'x\.jpg lacks.*multiscale_cam'):
        metric.process(None, [dict(img_path='x.jpg', pred_score=[0, 0, 0])])


def test_values_outside_0_1_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r'e\.npz: high_res must hold '
                       r'values in \[0, 1\]'):
        save_cam_file(str(tmp_path / 'e.npz'), [0], np.zeros((1, 2, 2)),
                      np.full((1, 5, 5), 2.0), 'e.jpg', CLASSES, [0, 0, 0])
    assert not os.listdir(tmp_path)

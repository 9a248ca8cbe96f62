"""tools/oass/make_csi.py: offline CAM files -> labelled CAM-box proposals.

Hand-made CAM files (the CAM tool's documented NPZ layout) for a tiny
DigitScenes tree; boxes checked against hand-computed values, and every
bad input is an error naming the file.
"""
import os.path as osp

import numpy as np
import pytest

from mmmlc.datasets import DigitScenesDataset
from mmmlc.datasets.transforms import load_proposals
from mmmlc.testing import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
make_csi = load_script(osp.join(REPO, 'tools', 'oass', 'make_csi.py'))
CONFIG = osp.join(REPO, 'configs', 'oass',
                  'oass_resnet18_4xb8-poly-6e_digitscenes-64px.py')
SIZES = dict(num_train=4, num_val=2, num_test=2)
CLASSES = [str(d) for d in range(10)]


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('digits'))
    dataset = DigitScenesDataset(data_root=root, split='train', **SIZES)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    return root, infos


def _write_cams(cam_dir, infos, classes=CLASSES):
    """Class 0 of K: a 20 x 30 block of 1.0 at y 20:40, x 30:60 and a
    weaker 8 x 8 block of 0.5 at y 80:88, x 80:88; other classes: zeros."""
    cam_dir.mkdir(exist_ok=True)
    for info in infos:
        keys = np.asarray(sorted(info['gt_label']), np.int64)
        high = np.zeros((len(keys), 128, 128), np.float32)
        high[0, 20:40, 30:60] = 1.
        high[0, 80:88, 80:88] = 0.5
        name = osp.basename(info['img_path'])
        np.savez(
            cam_dir / (osp.splitext(name)[0] + '.npz'),
            keys=keys,
            cam=high[:, ::4, ::4].copy(),
            high_res=high,
            img_key=np.asarray(name),
            classes=np.asarray(classes),
            scores=np.linspace(0, 1, len(classes)).astype(np.float32))


def _argv(root, cam_dir, out, *extra):
    return [CONFIG, str(cam_dir), '--out', str(out), '--cfg-options',
            f'train_dataloader.dataset.data_root={root}',
            *[f'train_dataloader.dataset.{k}={v}' for k, v in SIZES.items()],
            *extra]


@pytest.mark.parametrize('ext', ['npz', 'json'])
def test_boxes_of_hand_made_cams(tree, tmp_path, capsys, ext):
    root, infos = tree
    cam_dir = tmp_path / 'cams'
    _write_cams(cam_dir, infos)
    out = tmp_path / f'boxes.{ext}'
    make_csi.main(_argv(root, cam_dir, out))
    table = load_proposals(str(out))
    assert table.classes == tuple(CLASSES) and len(table) == 4
    total = 0
    for info in infos:
        name = osp.basename(info['img_path'])
        keys = sorted(info['gt_label'])
        boxes, scores, size = table.get(name)
        labels = table.get_labels(name)
        assert size == (128, 128)
        # first class: the block grown by 3 px (x) and 2 px (y); the 8 x 8
        # block (64 px < 1 % of 128 x 128 = 163.84 px) is dropped. Other
        # classes of K: nothing above 0.2, the whole image scored 0.
        expected = [[27., 18., 63., 42.]]
        expected += [[0., 0., 128., 128.]] * (len(keys) - 1)
        assert boxes.tolist() == expected
        assert labels.tolist() == keys
        assert scores.tolist() == [1.] + [0.] * (len(keys) - 1)
        total += len(keys)
    assert f'{total / 4:.2f} boxes per image (mean)' in capsys.readouterr().out
    # a smaller minimum area keeps the weak block as a second box of 0.5
    make_csi.main(_argv(root, cam_dir, out, '--min-area', '0.003'))
    boxes, scores, _ = load_proposals(str(out)).get(
        osp.basename(infos[0]['img_path']))
    np.testing.assert_allclose(
        boxes[:2], [[27., 18., 63., 42.], [79.2, 79.2, 88.8, 88.8]],
        rtol=0, atol=1e-4)
    assert scores[:2].tolist() == [1., 0.5]


def test_missing_cam_file_names_image_and_path(tree, tmp_path):
    root, infos = tree
    cam_dir = tmp_path / 'cams'
    _write_cams(cam_dir, infos[1:])
    stem = osp.splitext(osp.basename(infos[0]['img_path']))[0]
    with pytest.raises(FileNotFoundError) as err:
        make_csi.main(_argv(root, cam_dir, tmp_path / 'b.npz'))
    assert infos[0]['img_path'] in str(err.value)
    assert str(cam_dir / f'{stem}.npz') in str(err.value)
    assert not (tmp_path / 'b.npz').exists()


def test_truncated_cam_file_is_named(tree, tmp_path):
    root, infos = tree
    cam_dir = tmp_path / 'cams'
    _write_cams(cam_dir, infos)
    path = cam_dir / (osp.splitext(osp.basename(infos[2]['img_path']))[0] +
                      '.npz')
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match='truncated or corrupt') as err:
        make_csi.main(_argv(root, cam_dir, tmp_path / 'b.npz'))
    assert str(path) in str(err.value)


def test_other_class_list_or_image_is_an_error(tree, tmp_path):
    root, infos = tree
    cam_dir = tmp_path / 'cams'
    other = [f'c{d}' for d in range(10)]
    _write_cams(cam_dir, infos, classes=other)
    with pytest.raises(ValueError, match='classes') as err:
        make_csi.main(_argv(root, cam_dir, tmp_path / 'b.npz'))
    assert str(other) in str(err.value) and str(CLASSES) in str(err.value)
    _write_cams(cam_dir, infos)
    first = cam_dir / (osp.splitext(osp.basename(infos[0]['img_path']))[0] +
                       '.npz')
    with np.load(first) as npz:
        arrays = dict(npz)
    np.savez(first, **dict(arrays, img_key=np.asarray('other.jpg')))
    with pytest.raises(ValueError, match="'other.jpg'") as err:
        make_csi.main(_argv(root, cam_dir, tmp_path / 'b.npz'))
    assert str(first) in str(err.value)
    np.savez(first, **dict(arrays, high_res=arrays['high_res'][:, :64]))
    with pytest.raises(ValueError, match='128x64 but the image') as err:
        make_csi.main(_argv(root, cam_dir, tmp_path / 'b.npz'))


def _write_box_cams(cam_dir, infos, on_boxes):
    """Each positive class's CAM: 1.0 on its first ground-truth box
    (``on_boxes``) or zero everywhere (whole-image fallback)."""
    cam_dir.mkdir(exist_ok=True)
    for info in infos:
        keys = np.asarray(sorted(info['gt_label']), np.int64)
        high = np.zeros((len(keys), 128, 128), np.float32)
        if on_boxes:
            for k, c in enumerate(keys):
                x1, y1, x2, y2 = np.asarray(info['gt_bboxes'])[
                    np.asarray(info['gt_bboxes_labels']) == c][0]
                high[k, int(y1):int(np.ceil(y2)), int(x1):int(np.ceil(x2))] = 1
        name = osp.basename(info['img_path'])
        np.savez(cam_dir / (osp.splitext(name)[0] + '.npz'), keys=keys,
                 cam=high[:, ::4, ::4].copy(), high_res=high,
                 img_key=np.asarray(name), classes=np.asarray(CLASSES),
                 scores=np.zeros(10, np.float32))


def test_box_corloc_of_the_cam_boxes(tree, tmp_path, capsys):
    """A CAM on the ground-truth box gives a box of IoU 1 / 1.2^2 = 0.69
    (10 % margin each side): every pair is found, CorLoc 100 %. Empty CAMs
    give the whole image, IoU = box area / image area < 0.5 for every
    digit here: CorLoc 0 %."""
    root, infos = tree
    for info in infos:
        boxes = np.asarray(info['gt_bboxes'], np.float64)
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        assert (areas < 0.5 * 128 * 128).all()
    for on_boxes, expected in ((True, '100.00'), (False, '0.00')):
        cam_dir = tmp_path / f'cams{on_boxes}'
        _write_box_cams(cam_dir, infos, on_boxes)
        make_csi.main(_argv(root, cam_dir, tmp_path / 'b.npz',
                            '--min-area', '0'))
        out = capsys.readouterr().out
        assert f'box CorLoc of the top CAM box per ground-truth class: ' \
            f'{expected} %' in out, out

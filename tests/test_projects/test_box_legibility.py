"""projects/digitscenes_analysis/box_legibility.py: crops, the CNN probe,
errors."""
import os.path as osp

import cv2
import numpy as np
import pytest

import mmmlc  # noqa: F401
from mmmlc.datasets import build_digit_scenes
from mmmlc.testing import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
tool = load_script(
    osp.join(REPO, 'projects', 'digitscenes_analysis', 'box_legibility.py'))


def test_crop_is_the_boxes_square_at_the_read_scale():
    # 40 x 20 image read at 20 x 20: x is halved, y kept. The box
    # (8, 5, 20, 15) becomes x 4..10, y 5..15 at the read scale; its longer
    # side is 10, so with context 1 the crop is x 2..12, y 5..15 there,
    # sampled at 10 px: exactly read[5:15, 2:12].
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (20, 40, 3), dtype=np.uint8)
    read = cv2.resize(image, (20, 20), interpolation=cv2.INTER_LINEAR)
    crop = tool.box_crops(image, np.array([[8, 5, 20, 15]]), 20, 10, 1.0)
    assert crop.shape == (1, 10, 10, 3) and crop.dtype == np.uint8
    np.testing.assert_array_equal(crop[0], read[5:15, 2:12])


def test_crop_pads_outside_the_image_with_zeros():
    # A 4 x 4 box in the corner, context 2: the crop spans -2..6 on both
    # axes; its first two rows and columns lie outside the image.
    image = np.full((20, 20, 3), 200, np.uint8)
    crop = tool.box_crops(image, np.array([[0., 0., 4., 4.]]), 20, 8, 2.0)[0]
    assert (crop[:2] == 0).all() and (crop[:, :2] == 0).all()
    assert (crop[2:, 2:] == 200).all()


def _bars(num, rng, size=24):
    """Crops of a horizontal (class 0) or vertical (class 1) bar."""
    labels = rng.integers(0, 2, num)
    crops = rng.integers(0, 120, (num, size, size, 3), dtype=np.uint8)
    for crop, label, colour in zip(crops, labels,
                                   rng.integers(150, 256, (num, 3))):
        at = rng.integers(4, size - 8)
        if label:
            crop[4:-4, at:at + 4] = colour
        else:
            crop[at:at + 4, 4:-4] = colour
    return crops, labels.astype(np.int64)


def test_cnn_reads_shapes_and_learns_nothing_from_shuffled_labels():
    rng = np.random.default_rng(0)
    train, test = _bars(600, rng), _bars(400, rng)
    pred = tool.train_and_score(train, test, 2, epochs=3)
    assert (pred == test[1]).mean() >= 0.95
    # Train labels independent of the crops: the probe cannot beat chance
    # on the test crops (0.5; one sd is 0.025 on 400 crops).
    shuffled = (train[0], rng.permutation(train[1]))
    pred = tool.train_and_score(shuffled, test, 2, epochs=3)
    assert 0.35 < (pred == test[1]).mean() < 0.65


@pytest.fixture(scope='module')
def config(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('legibility')
    root = str(tmp / 'digit_scenes')
    build_digit_scenes(root, seed=0, num_train=6, num_val=2, num_test=3)
    path = tmp / 'cfg.py'
    path.write_text(
        "default_scope = 'mmmlc'\n"
        f"_ds = dict(type='DigitScenesDataset', data_root={root!r}, "
        'num_train=6, num_val=2, num_test=3)\n'
        "train_dataloader = dict(dataset=dict(_ds, split='train'))\n"
        "test_dataloader = dict(dataset=dict(_ds, split='test', "
        'test_mode=True))\n')
    return str(path), root


def test_main_scores_every_non_difficult_test_box(config, capsys):
    path, root = config
    accuracy = tool.main([path, '--epochs', '1'])
    assert 0 <= accuracy <= 100
    boxes = 0
    for i in range(3):
        with open(osp.join(root, 'Annotations', f'test_{i:06d}.xml')) as f:
            boxes += f.read().count('<difficult>0</difficult>')
    assert f'{boxes} non-difficult test boxes' in capsys.readouterr().out


def test_bad_input_names_the_image(tmp_path):
    box = dict(gt_bboxes=np.array([[1., 1., 5., 5.]], np.float32),
               gt_bboxes_labels=np.array([0]),
               gt_bboxes_difficult=np.array([False]))
    missing = str(tmp_path / 'missing.jpg')
    with pytest.raises(FileNotFoundError, match='missing.jpg'):
        tool.split_crops([dict(box, img_path=missing)], 16, 8, 1.2)
    corrupt = tmp_path / 'corrupt.jpg'
    corrupt.write_bytes(b'not a jpeg')
    with pytest.raises(ValueError, match='corrupt.jpg.*decode'):
        tool.split_crops([dict(box, img_path=str(corrupt))], 16, 8, 1.2)
    with pytest.raises(ValueError, match='nobox.jpg has no gt_bboxes'):
        tool.split_crops([dict(img_path='nobox.jpg')], 16, 8, 1.2)
    hard = dict(box, gt_bboxes_difficult=np.array([True]), img_path=missing)
    with pytest.raises(ValueError, match='no non-difficult boxes'):
        tool.split_crops([hard], 16, 8, 1.2)

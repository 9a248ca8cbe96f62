"""Tests of the DigitScenes generator and dataset."""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest
from scipy.stats import chi2_contingency

import mmmlc  # noqa: F401
from mmmlc.datasets import DigitScenesDataset, build_digit_scenes
from mmmlc.datasets import digit_scenes_builder as builder
from mmmlc.registry import DATASETS

SIZES = dict(num_train=40, num_val=20, num_test=20)


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('ds') / 'digit_scenes')
    build_digit_scenes(root, seed=0, **SIZES)
    return root


def _ids(root, split):
    with open(osp.join(root, 'ImageSets', 'Main', f'{split}.txt')) as f:
        return f.read().split()


def _read_tree(root):
    """All annotation texts and decoded image arrays of a tree, by id."""
    xmls, pixels = {}, {}
    for name in sorted(os.listdir(osp.join(root, 'Annotations'))):
        with open(osp.join(root, 'Annotations', name)) as f:
            xmls[name] = f.read()
        jpg = osp.join(root, 'JPEGImages', name.replace('.xml', '.jpg'))
        pixels[name] = cv2.imread(jpg)
    return xmls, pixels


def test_same_seed_same_tree_other_seed_differs(tree, tmp_path):
    again = str(tmp_path / 'again')
    build_digit_scenes(again, seed=0, **SIZES)
    xmls, pixels = _read_tree(tree)
    xmls2, pixels2 = _read_tree(again)
    assert len(xmls) == 80 and xmls == xmls2
    assert all(np.array_equal(pixels[k], pixels2[k]) for k in pixels)
    for name in ('meta.json', 'ImageSets/Main/trainval.txt'):
        with open(osp.join(tree, name)) as f, open(osp.join(again, name)) as g:
            assert f.read() == g.read()

    other = str(tmp_path / 'other')
    build_digit_scenes(other, seed=1, **SIZES)
    xmls3, pixels3 = _read_tree(other)
    assert sum(xmls[k] != xmls3[k] for k in xmls) > 70
    assert sum(not np.array_equal(pixels[k], pixels3[k]) for k in pixels) == 80


def test_splits_do_not_depend_on_other_split_sizes():
    # An image depends only on (seed, split, index).
    a = builder.render_sample(3, 'val', 7)
    b = builder.render_sample(3, 'val', 7)
    c = builder.render_sample(3, 'test', 7)
    assert np.array_equal(a['image'], b['image'])
    assert not np.array_equal(a['image'], c['image'])


def test_layout_and_meta(tree):
    train, val, test = (_ids(tree, s) for s in ('train', 'val', 'test'))
    assert train == [f'train_{i:06d}' for i in range(40)]
    assert val == [f'val_{i:06d}' for i in range(20)]
    assert len(test) == 20
    assert not set(train) & set(val) and not set(val) & set(test)
    assert not set(train) & set(test)
    assert _ids(tree, 'trainval') == train + val
    for img_id in train + val + test:
        assert osp.isfile(osp.join(tree, 'JPEGImages', img_id + '.jpg'))
        assert osp.isfile(osp.join(tree, 'Annotations', img_id + '.xml'))
    with open(osp.join(tree, 'meta.json')) as f:
        meta = json.load(f)
    assert meta['seed'] == 0 and meta['img_size'] == 128
    sizes = (meta['num_train'], meta['num_val'], meta['num_test'])
    assert sizes == (40, 20, 20)
    assert meta['generator_version'] == builder.GENERATOR_VERSION
    assert meta['classes'] == [str(d) for d in range(10)]
    assert meta['scenes'] == ['daylight', 'sunset', 'night', 'fog']
    # The temporary build folder was renamed, nothing is left beside it.
    assert os.listdir(osp.dirname(tree)) == ['digit_scenes']


def test_glyph_halves_are_disjoint():
    _, glyphs, _ = builder._sources()
    train = sum(len(g) for g in glyphs[0])
    held_out = sum(len(g) for g in glyphs[1])
    assert (train, held_out) == (899, 898)
    train_set = {g.tobytes() for per_class in glyphs[0] for g in per_class}
    assert not any(g.tobytes() in train_set for per_class in glyphs[1]
                   for g in per_class)


def test_boxes_hug_the_visible_glyph_and_match_the_xml(tree):
    for index in range(40):
        sample = builder.render_sample(0, 'train', index)
        xml = ET.parse(osp.join(tree, 'Annotations',
                                f'train_{index:06d}.xml')).getroot()
        assert int(xml.findtext('scene')) == sample['scene']
        assert xml.findtext('scene_name') == builder.SCENES[sample['scene']]
        objects = xml.findall('object')
        assert 1 <= len(objects) == len(sample['objects']) <= 4
        for obj, node in zip(sample['objects'], objects):
            x1, y1, x2, y2 = obj['bbox']
            mask = obj['mask']
            assert 0 <= x1 < x2 <= 128 and 0 <= y1 < y2 <= 128
            ys, xs = np.nonzero(mask)
            # Every glyph pixel is inside; every side touches the glyph.
            tight = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
            assert tight == (x1, y1, x2, y2)
            assert mask[y1, x1:x2].any() and mask[y2 - 1, x1:x2].any()
            assert mask[y1:y2, x1].any() and mask[y1:y2, x2 - 1].any()
            box = [int(node.find('bndbox').findtext(k))
                   for k in ('xmin', 'ymin', 'xmax', 'ymax')]
            assert box == [x1 + 1, y1 + 1, x2, y2]
            assert node.findtext('name') == str(obj['label'])
            tiny = max(x2 - x1, y2 - y1) < builder.TINY_PX
            assert obj['difficult'] == (tiny or obj['hidden'] > 0.5)
            assert int(node.findtext('difficult')) == obj['difficult']
        # The JPEG holds the rendered image (quality 95, 4:4:4).
        jpg = cv2.imread(osp.join(tree, 'JPEGImages',
                                  f'train_{index:06d}.jpg'))[:, :, ::-1]
        assert np.abs(jpg.astype(int) - sample['image']).mean() < 3


def test_glyphs_contrast_with_their_surroundings():
    contrasts = []
    for index in range(20):
        sample = builder.render_sample(0, 'train', index)
        luma = sample['image'] @ np.array([0.299, 0.587, 0.114])
        for obj in sample['objects']:
            if obj['hidden'] > 0:
                continue
            x1, y1, x2, y2 = obj['bbox']
            ring = np.zeros((128, 128), bool)
            ring[max(y1 - 6, 0):y2 + 6, max(x1 - 6, 0):x2 + 6] = True
            ring[max(y1 - 2, 0):y2 + 2, max(x1 - 2, 0):x2 + 2] = False
            for other in sample['objects']:
                ring &= ~other['mask']
            contrasts.append(abs(luma[obj['mask']].mean() - luma[ring].mean()))
    # Stroke luma is set against the background: every digit stands out.
    assert len(contrasts) > 30 and min(contrasts) > 25


def test_difficult_objects_are_present():
    tiny = hidden = occluded_easy = 0
    for index in range(150):
        for obj in builder.render_sample(0, 'train', index)['objects']:
            x1, y1, x2, y2 = obj['bbox']
            tiny += max(x2 - x1, y2 - y1) < builder.TINY_PX
            hidden += obj['hidden'] > 0.5
            occluded_easy += 0 < obj['hidden'] <= 0.5
            assert obj['hidden'] <= builder.MAX_HIDDEN
    assert tiny >= 5 and hidden >= 5 and occluded_easy >= 5


def test_scene_decides_label_cooccurrence():
    num = 400
    labels = np.zeros((num, 10))
    scenes = np.zeros(num, int)
    for index in range(num):
        sample = builder.render_sample(0, 'train', index)
        scenes[index] = sample['scene']
        for obj in sample['objects']:
            labels[index, obj['label']] = 1
    assert np.bincount(scenes, minlength=4).min() > 60
    freq = np.stack([labels[scenes == s].mean(0) for s in range(4)])
    typical = np.zeros((4, 10), bool)
    for s, profile in enumerate(builder.SCENE_PROFILES):
        typical[s, list(profile['typical'])] = True
    # Each scene has its own digits: typical ones appear in > 45% of its
    # images, the others in < 20%.
    assert freq[typical].min() > 0.45 and freq[~typical].max() < 0.2
    dist = np.abs(freq[:, None] - freq[None]).sum(-1)
    assert dist[~np.eye(4, dtype=bool)].min() > 1.5
    # Scene and labels are far from independent ...
    table = np.stack([labels[scenes == s].sum(0) for s in range(4)])
    assert chi2_contingency(table)[1] < 1e-100
    # ... and knowing the scene saves > 2 bits per image on the labels.
    eps = 1e-3

    def log_lik(prob):
        prob = prob.clip(eps, 1 - eps)
        return (labels * np.log2(prob) +
                (1 - labels) * np.log2(1 - prob)).sum(1)

    gain = log_lik(freq[scenes]) - log_lik(labels.mean(0)[None])
    assert gain.mean() > 2.0
    # Typical digits co-occur within a scene: P(b | a, scene) >> P(b).
    for s, profile in enumerate(builder.SCENE_PROFILES):
        a, b = profile['typical'][:2]
        in_scene = labels[scenes == s]
        p_b_given_a = in_scene[in_scene[:, a] == 1, b].mean()
        assert p_b_given_a > labels[:, b].mean() + 0.2


def test_annotation_xml_exact():
    sample = dict(
        scene=2,
        objects=[
            dict(label=7, bbox=(3, 4, 20, 30), hidden=0.0, difficult=False),
            dict(label=0, bbox=(0, 0, 128, 17), hidden=0.6, difficult=True)
        ])
    root = ET.fromstring(builder.annotation_xml('val_000003', 128, sample))
    assert root.findtext('filename') == 'val_000003.jpg'
    assert root.find('size').findtext('width') == '128'
    assert root.findtext('scene') == '2'
    assert root.findtext('scene_name') == 'night'
    got = [(o.findtext('name'), o.findtext('difficult'),
            o.findtext('occluded'),
            [o.find('bndbox').findtext(k) for k in ('xmin', 'ymin', 'xmax',
                                                    'ymax')])
           for o in root.findall('object')]
    assert got == [('7', '0', '0', ['4', '5', '20', '30']),
                   ('0', '1', '1', ['1', '1', '128', '17'])]


def test_dataset_reads_the_tree_back(tree):
    dataset = DATASETS.build(
        dict(type='DigitScenesDataset', data_root=tree, split='val', **SIZES))
    assert len(dataset) == 20
    assert dataset.metainfo['classes'] == tuple(str(d) for d in range(10))
    assert dataset.metainfo['scenes'] == ('daylight', 'sunset', 'night',
                                          'fog')
    for index in range(20):
        info = dataset.get_data_info(index)
        sample = builder.render_sample(0, 'val', index)
        assert info['img_id'] == f'val_{index:06d}'
        assert info['scene'] == sample['scene']
        assert osp.isfile(info['img_path'])
        boxes = np.array([o['bbox'] for o in sample['objects']], np.float32)
        np.testing.assert_array_equal(info['gt_bboxes'], boxes)
        labels = [o['label'] for o in sample['objects']]
        assert info['gt_bboxes_labels'].tolist() == labels
        easy = {o['label'] for o in sample['objects'] if not o['difficult']}
        assert info['gt_label'] == sorted(easy)
        assert info['gt_label_difficult'] == sorted(set(labels) - easy)

    positive = DigitScenesDataset(
        data_root=tree, split='trainval', difficult_as_positive=True, **SIZES)
    assert len(positive) == 60
    for index in range(60):
        info = positive.get_data_info(index)
        assert info['gt_label'] == sorted(set(info['gt_bboxes_labels']))
        assert info['gt_label_difficult'] == []

    loaded = DigitScenesDataset(
        data_root=tree,
        split='test',
        pipeline=[dict(type='LoadImageFromFile')],
        **SIZES)[0]
    assert loaded['img'].shape == (128, 128, 3) and 'scene' in loaded


def test_dataset_builds_on_first_use_and_checks_meta(tmp_path):
    root = str(tmp_path / 'fresh')
    small = dict(num_train=4, num_val=2, num_test=2)
    assert len(DigitScenesDataset(data_root=root, split='test', **small)) == 2
    assert osp.isfile(osp.join(root, 'meta.json'))
    with pytest.raises(ValueError, match='Delete .*fresh'):
        DigitScenesDataset(data_root=root, seed=1, **small)
    with pytest.raises(ValueError, match="'num_train': 5"):
        DigitScenesDataset(data_root=root, num_train=5, num_val=2, num_test=2)
    with pytest.raises(ValueError, match='split must be one of'):
        DigitScenesDataset(data_root=root, split='validation', **small)

    foreign = tmp_path / 'foreign'
    foreign.mkdir()
    (foreign / 'notes.txt').write_text('not a dataset')
    with pytest.raises(FileExistsError, match='no meta.json'):
        DigitScenesDataset(data_root=str(foreign), **small)


def test_crashed_build_leaves_nothing(tmp_path, monkeypatch):
    original = builder.render_sample

    def crash_at_5(seed, split, index, img_size=128):
        if index == 5:
            raise RuntimeError('disk full')
        return original(seed, split, index, img_size)

    monkeypatch.setattr(builder, 'render_sample', crash_at_5)
    with pytest.raises(RuntimeError, match='disk full'):
        build_digit_scenes(str(tmp_path / 'ds'), num_train=8, num_val=0,
                           num_test=0)
    assert os.listdir(tmp_path) == []


def test_concurrent_build_keeps_the_first_complete_tree(tmp_path, monkeypatch):
    root = str(tmp_path / 'ds')
    original = builder._write_tree

    def other_process_finishes_first(tmp, seed, sizes, img_size):
        original(root, seed, sizes, img_size)  # the other process' tree
        original(tmp, seed, sizes, img_size)

    monkeypatch.setattr(builder, '_write_tree', other_process_finishes_first)
    build_digit_scenes(root, num_train=3, num_val=1, num_test=1)
    assert sorted(os.listdir(tmp_path)) == ['ds']
    assert osp.isfile(osp.join(root, 'meta.json'))


@pytest.mark.parametrize('img_size', [64, 448])
def test_other_image_sizes(img_size):
    sample = builder.render_sample(0, 'test', 1, img_size=img_size)
    assert sample['image'].shape == (img_size, img_size, 3)
    for obj in sample['objects']:
        assert obj['mask'].shape == (img_size, img_size)
        assert 0 <= min(obj['bbox']) and max(obj['bbox']) <= img_size


def test_bad_arguments():
    with pytest.raises(ValueError, match='img_size'):
        build_digit_scenes('/nonexistent/never', img_size=32)
    with pytest.raises(ValueError, match='split sizes'):
        build_digit_scenes('/nonexistent/never', num_train=-1)

"""CSIDataset and csi_collate: crops, the score-weighted cap of 8, the bag
index, and the errors on a wrong CSI file (docs/reference/oass.md)."""
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.registry import FUNCTIONS, init_default_scope

import mmmlc.datasets  # noqa: F401  (registers)
from mmmlc.datasets import build_digit_scenes
from mmmlc.datasets.csi_dataset import csi_collate, weighted_sample
from mmmlc.datasets.transforms import save_proposals
from mmmlc.registry import DATASETS

SIZES = dict(num_train=6, num_val=2, num_test=2)
CLASSES = [str(i) for i in range(10)]


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('csi') / 'digit_scenes')
    build_digit_scenes(root, seed=0, **SIZES)
    return root


def _wrapped(tree):
    return dict(type='DigitScenesDataset', data_root=tree, split='train',
                difficult_as_positive=True,
                pipeline=[dict(type='LoadImageFromFile')], **SIZES)


def _entries(tree, boxes_per_image=None):
    """Each image: its ground-truth boxes (labelled), scored 0.9, 0.8..."""
    init_default_scope('mmmlc')
    data = DATASETS.build(_wrapped(tree))
    entries = {}
    for i in range(len(data)):
        info = data.get_data_info(i)
        boxes = np.asarray(info['gt_bboxes'], np.float32)
        labels = np.asarray(info['gt_bboxes_labels'], np.int64)
        if boxes_per_image is not None:
            reps = -(-boxes_per_image // len(boxes))
            boxes = np.tile(boxes, (reps, 1))[:boxes_per_image]
            labels = np.tile(labels, reps)[:boxes_per_image]
        entries[osp.basename(info['img_path'])] = dict(
            boxes=boxes, labels=labels,
            scores=np.linspace(0.9, 0.1, len(boxes)), width=128, height=128)
    return entries


def _dataset(tree, path, **kwargs):
    init_default_scope('mmmlc')
    cfg = dict(
        type='CSIDataset', dataset=_wrapped(tree), proposal_file=str(path),
        pipeline=[dict(type='Resize', scale=(64, 64)),
                  dict(type='PackInputs')],
        instance_pipeline=[dict(type='Resize', scale=(32, 32)),
                           dict(type='PackInputs')])
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_instances_are_crops_of_the_image(tree, tmp_path):
    entries = _entries(tree, boxes_per_image=1)
    path = tmp_path / 'csi.json'
    save_proposals(str(path), entries, classes=CLASSES)
    data = _dataset(tree, path, instance_pipeline=[dict(type='PackInputs')])
    assert len(data) == SIZES['num_train']
    for i in range(len(data)):
        info = data.get_data_info(i)
        entry = entries[osp.basename(info['img_path'])]
        x1, y1, x2, y2 = entry['boxes'][0].astype(int)
        out = data[i]
        assert out['inputs'].shape == (3, 64, 64)
        crop = mmcv.imread(info['img_path'])[y1:y2, x1:x2]
        assert torch.equal(out['instances'][0],
                           torch.from_numpy(crop).permute(2, 0, 1))
        assert out['instance_labels'].tolist() == [entry['labels'][0]]
        assert out['instance_scores'].tolist() == pytest.approx([0.9])
        assert out['data_samples'].gt_label.tolist() == info['gt_label']


def test_cap_of_eight_and_reproducible(tree, tmp_path):
    path = tmp_path / 'many.npz'
    save_proposals(str(path), _entries(tree, boxes_per_image=12),
                   classes=CLASSES)
    data = _dataset(tree, path)
    np.random.seed(1)
    first = data[2]
    assert first['instances'].shape == (8, 3, 32, 32)
    assert first['instance_labels'].dtype == torch.int64
    # without replacement: 8 distinct scores of the 12
    assert len(set(first['instance_scores'].tolist())) == 8
    np.random.seed(1)
    again = data[2]
    assert torch.equal(first['instance_scores'], again['instance_scores'])
    few = tmp_path / 'few.npz'
    save_proposals(str(few), _entries(tree, boxes_per_image=5),
                   classes=CLASSES)
    assert _dataset(tree, few)[0]['instances'].shape[0] == 5
    assert _dataset(tree, few, max_instances=3)[0]['instances'].shape[0] == 3


def test_weighted_sample_follows_scores():
    rng = np.random.default_rng(0)
    firsts = [weighted_sample(np.array([3.0, 1.0]), 1, rng)[0]
              for _ in range(4000)]
    assert np.mean(np.array(firsts) == 0) == pytest.approx(0.75, abs=0.03)
    # a 0 score comes only after every positive one
    for _ in range(50):
        order = weighted_sample(np.array([0.0, 0.2, 0.0, 0.5, 0.1]), 5, rng)
        assert sorted(order[:3].tolist()) == [1, 3, 4]
        assert sorted(order[3:].tolist()) == [0, 2]
    drawn = weighted_sample(np.linspace(1, 2, 20), 8, rng)
    assert len(drawn) == 8 and len(set(drawn.tolist())) == 8


def test_collate_flattens_instances_with_bag_index():
    def sample(n, value):
        return dict(inputs=torch.zeros(3, 8, 8, dtype=torch.uint8),
                    data_samples=value,
                    instances=None if n == 0 else torch.full(
                        (n, 3, 4, 4), value, dtype=torch.uint8),
                    instance_labels=torch.arange(n) + value,
                    instance_scores=torch.full((n, ), 0.5))

    collate = FUNCTIONS.get('csi_collate')
    assert collate is csi_collate
    batch = collate([sample(2, 10), sample(0, 20), sample(3, 30)])
    assert batch['inputs'].shape == (3, 3, 8, 8)
    assert batch['data_samples'] == [10, 20, 30]
    assert batch['bag_index'].tolist() == [0, 0, 2, 2, 2]
    assert batch['instance_labels'].tolist() == [10, 11, 30, 31, 32]
    assert batch['instances'][:, 0, 0, 0].tolist() == [10, 10, 30, 30, 30]
    empty = collate([sample(0, 1), sample(0, 2)])
    assert empty['instances'].shape == (0, 3, 1, 1)
    assert empty['bag_index'].tolist() == []


def test_bad_csi_files(tree, tmp_path):
    entries = _entries(tree)
    plain = tmp_path / 'plain.json'
    save_proposals(str(plain), {k: dict(v, labels=None)
                                for k, v in entries.items()})
    with pytest.raises(ValueError, match='plain.json.*labels'):
        _dataset(tree, plain)
    other = tmp_path / 'other.json'
    save_proposals(str(other), entries, classes=list('abcdefghij'))
    with pytest.raises(ValueError, match='other.json.*classes'):
        _dataset(tree, other)
    partial = dict(entries)
    gone = sorted(partial)[0]
    del partial[gone]
    short = tmp_path / 'short.json'
    save_proposals(str(short), partial, classes=CLASSES)
    with pytest.raises(ValueError, match=f'short.json.*{gone}'):
        _dataset(tree, short)
    init_default_scope('mmmlc')
    plain_data = DATASETS.build(_wrapped(tree))
    positives = {osp.basename(info['img_path']): info['gt_label'] for info in
                 map(plain_data.get_data_info, range(len(plain_data)))}
    stray = {k: dict(v, labels=np.full(len(v['labels']), min(
        set(range(10)) - set(positives[k])))) for k, v in entries.items()}
    wrong = tmp_path / 'wrong.json'
    save_proposals(str(wrong), stray, classes=CLASSES)
    with pytest.raises(ValueError, match='wrong.json.*not among its labels'):
        _dataset(tree, wrong)[0]
    with pytest.raises(ValueError, match='suppressed'):
        _dataset(tree, wrong, instance_mode='suppressed')

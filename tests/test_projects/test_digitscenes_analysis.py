"""projects/digitscenes_analysis: scene purity and the scene-prior mAP."""
import os.path as osp

import numpy as np
import pytest

from mmmlc.datasets import DigitScenesDataset
from mmmlc.evaluation.functional import mean_average_precision
from mmmlc.testing import load_script, train_tiny_salgl

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DIGITS = osp.join(REPO, 'configs', 'salgl',
                  'salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')


def _load_tool(name):
    return load_script(
        osp.join(REPO, 'projects', 'digitscenes_analysis', name + '.py'))


purity_tool = _load_tool('scene_purity')
prior_tool = _load_tool('scene_prior_map')


@pytest.fixture(scope='module')
def digits_checkpoint(tmp_path_factory):
    """A SALGL DigitScenes model after 3 training steps, its overrides and
    the root of its tiny DigitScenes build."""
    root = str(tmp_path_factory.getbasetemp() / 'salgl')
    path, args, _ = train_tiny_salgl(DIGITS, root)
    return path, args, osp.join(root, 'digit_scenes')


def test_scene_purity_hand_computed():
    result = purity_tool.scene_purity([0, 0, 1, 1, 1, 2], [1, 1, 0, 0, 1, 1])
    assert result['purity'] == pytest.approx(5 / 6)
    assert result['matched_accuracy'] == pytest.approx(4 / 6)
    np.testing.assert_array_equal(result['contingency'],
                                  [[0, 2], [2, 1], [0, 1]])
    perfect = purity_tool.scene_purity([2, 2, 0, 1], [0, 0, 1, 3])
    assert perfect['purity'] == perfect['nmi'] == 1.0


def test_scene_purity_tool(digits_checkpoint, tmp_path):
    path, args, data_root = digits_checkpoint
    report = purity_tool.main([
        DIGITS, path, '--split', 'test', '--out',
        str(tmp_path / 'purity.json'), '--cfg-options', *args
    ])
    assert report['num_images'] == 8 and report['num_scenes'] == 4
    table = np.array(report['contingency'])
    assert table.sum() == 8
    dataset = DigitScenesDataset(
        data_root=data_root, split='test', num_train=8,
        num_val=4, num_test=8)
    true = np.bincount([dataset.get_data_info(i)['scene'] for i in range(8)],
                       minlength=table.shape[1])
    np.testing.assert_array_equal(table.sum(axis=0), true[:table.shape[1]])
    assert 1 / 4 <= report['purity'] <= 1.0


def test_scene_class_frequency_hand_computed():
    # Scene 0: two images, class 1 in both (listed twice in one), class 0
    # in one; scene 1: one image with class 2; scene 2: no image.
    prior = prior_tool.scene_class_frequency([[0, 1, 1], [1], [2]],
                                             [0, 0, 1], 3, 3)
    np.testing.assert_allclose(prior, [[.5, 1, 0], [0, 0, 1], [0, 0, 0]])


def test_scene_prior_map_tool_scores_true_scene_frequencies(
        digits_checkpoint, capsys):
    _, args, _ = digits_checkpoint
    result = prior_tool.main([DIGITS, '--split', 'test', '--cfg-options'] +
                             args)
    assert 'mAP' in capsys.readouterr().out
    data = {}
    for split in ('train', 'test'):
        options = {
            k.split('.', 2)[2]: v
            for k, v in (a.split('=', 1) for a in args)
            if k.startswith(f'{split}_dataloader.dataset.')
        }
        # The config trains with difficult objects as positives.
        dataset = DigitScenesDataset(
            data_root=options['data_root'],
            split=split,
            difficult_as_positive=split == 'train',
            num_train=8,
            num_val=4,
            num_test=8)
        data[split] = [dataset.get_data_info(i) for i in range(len(dataset))]
    prior = np.zeros((4, 10))
    for scene in range(4):
        rows = [i for i in data['train'] if i['scene'] == scene]
        for info in rows:
            labels = np.unique(np.asarray(info['gt_label'], dtype=int))
            prior[scene, labels] += 1 / len(rows)
    targets = np.zeros((len(data['test']), 10), dtype=np.int8)
    for row, info in zip(targets, data['test']):
        row[np.asarray(info['gt_label_difficult'], dtype=int)] = -1
        row[np.asarray(info['gt_label'], dtype=int)] = 1
    expected, _ = mean_average_precision(
        prior[[i['scene'] for i in data['test']]], targets)
    assert result == pytest.approx(100 * expected)


def test_per_scene_map_hand_computed():
    scores = np.array([[.9, .2], [.1, .8], [.2, .5], [.8, .4]])
    targets = np.array([[1, 0], [0, 1], [1, 0], [1, 1]])
    # Scene 0 is ranked perfectly; in scene 1 class 0 is always positive
    # (AP 1) and class 1's only positive ranks below a negative (AP 1/2);
    # scene 2 has no image.
    out = prior_tool.per_scene_map(scores, targets, [0, 0, 1, 1], 3)
    assert out[:2] == [(2, pytest.approx(100.)), (2, pytest.approx(75.))]
    assert out[2][0] == 0 and np.isnan(out[2][1])


def test_scene_prior_map_tool_per_scene_with_predictions(
        digits_checkpoint, tmp_path, capsys):
    _, args, root = digits_checkpoint
    dataset = DigitScenesDataset(
        data_root=root, split='test', num_train=8, num_val=4, num_test=8)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    # The targets as MLCMetric (and so tools/test.py --out) encodes them.
    targets = np.zeros((len(infos), 10), dtype=np.int8)
    for row, info in zip(targets, infos):
        row[np.asarray(info['gt_label_difficult'], dtype=int)] = -1
        row[np.asarray(info['gt_label'], dtype=int)] = 1
    for row, info in zip(targets, infos):
        assert set(np.flatnonzero(row == 1)) == set(info['gt_label'])
        assert set(np.flatnonzero(row == -1)) == set(
            info['gt_label_difficult']) - set(info['gt_label'])
    # Perfect scores, written in reverse order: rows are matched by path.
    pred = tmp_path / 'pred.npz'
    np.savez(pred, img_paths=np.array([i['img_path'] for i in infos][::-1]),
             scores=targets[::-1].astype(np.float32), targets=targets[::-1])
    prior_tool.main([DIGITS, '--split', 'test', '--pred', str(pred),
                     '--cfg-options'] + args)
    lines = [ln for ln in capsys.readouterr().out.splitlines()
             if ln.startswith('scene ')]
    assert len(lines) == 4
    with_images = [ln for ln in lines if not ln.endswith('nan')]
    assert with_images and all('model 100.00' in ln for ln in with_images)
    np.savez(pred, img_paths=np.array([i['img_path'] for i in infos][1:]),
             scores=targets[1:], targets=targets[1:])
    with pytest.raises(ValueError, match='holds 7 images, the split 8'):
        prior_tool.main([DIGITS, '--pred', str(pred), '--cfg-options'] + args)
    wrong = targets.copy()
    wrong[0] = 1 - np.abs(wrong[0])  # another build: other labels
    np.savez(pred, img_paths=np.array([i['img_path'] for i in infos]),
             scores=targets, targets=wrong)
    with pytest.raises(ValueError, match='labels of .* differ'):
        prior_tool.main([DIGITS, '--pred', str(pred), '--cfg-options'] + args)
    with pytest.raises(FileNotFoundError, match='tools/test.py --out'):
        prior_tool.main([DIGITS, '--pred', str(tmp_path / 'no.npz'),
                         '--cfg-options'] + args)

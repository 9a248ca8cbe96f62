"""MultiLabelInferencer on a random-weight quick-start model."""
import shutil

import mmcv
import numpy as np
import pytest
import torch

from mmmlc.apis import MultiLabelInferencer, save_thresholds
from mmmlc.apis.thresholds import thresholds_path_for

CLASSES = [str(i) for i in range(10)]


@pytest.fixture(scope='module')
def inferencer(quickstart_config, quickstart_checkpoint):
    return MultiLabelInferencer(quickstart_config, quickstart_checkpoint,
                                thresholds=None)


def test_scores_do_not_depend_on_input_form_or_batch(inferencer,
                                                     image_folder):
    paths = sorted(str(p) for p in image_folder.iterdir())
    one_by_one = inferencer(paths, batch_size=1)
    folder = inferencer(str(image_folder), batch_size=3)
    arrays = inferencer([mmcv.imread(p) for p in paths], batch_size=2)
    assert [r['img_path'] for r in folder] == paths
    assert arrays[0]['img_path'] is None
    for a, b, c in zip(one_by_one, folder, arrays):
        assert a['pred_scores'].shape == (10, )
        np.testing.assert_allclose(a['pred_scores'], b['pred_scores'],
                                   atol=1e-6)
        np.testing.assert_allclose(a['pred_scores'], c['pred_scores'],
                                   atol=1e-6)
        assert np.all((a['pred_scores'] > 0) & (a['pred_scores'] < 1))


def test_labels_follow_the_rule(inferencer, image_folder):
    scores = inferencer(str(image_folder))[0]['pred_scores']
    mid = float(np.sort(scores)[5])
    inferencer.thr, inferencer.topk = mid, None
    result = inferencer(str(image_folder))[0]
    assert result['pred_label'] == np.flatnonzero(scores >= mid).tolist()
    assert result['pred_class'] == [CLASSES[i] for i in result['pred_label']]
    inferencer.thr, inferencer.topk = None, 2
    top2 = inferencer(str(image_folder))[0]['pred_label']
    assert sorted(top2) == sorted(np.argsort(-scores)[:2].tolist())
    inferencer.thr, inferencer.topk = 0.5, None


def test_unreadable_image_is_reported_and_the_rest_predicted(
        inferencer, image_folder, tmp_path, caplog):
    folder = tmp_path / 'mixed'
    shutil.copytree(image_folder, folder)
    (folder / 'broken.jpg').write_bytes(b'not an image')
    (folder / 'notes.txt').write_text('not listed: no image extension')
    results = inferencer(str(folder), batch_size=2)
    assert len(results) == 4
    broken = [r for r in results if 'error' in r]
    assert [r['img_path'] for r in broken] == [str(folder / 'broken.jpg')]
    assert sum('pred_scores' in r for r in results) == 3


def test_per_class_thresholds_beside_the_checkpoint(
        quickstart_config, quickstart_checkpoint, image_folder, tmp_path):
    ckpt = tmp_path / 'model.pth'
    shutil.copy(quickstart_checkpoint, ckpt)
    thresholds = np.linspace(0.0, 1.0, 10)
    save_thresholds(thresholds_path_for(str(ckpt)), thresholds, CLASSES)
    inferencer = MultiLabelInferencer(quickstart_config, str(ckpt))
    assert inferencer.thresholds_file == thresholds_path_for(str(ckpt))
    result = inferencer(str(image_folder))[0]
    assert result['pred_label'] == np.flatnonzero(
        result['pred_scores'] >= thresholds).tolist()
    save_thresholds(thresholds_path_for(str(ckpt)), [0.5] * 3,
                    ['a', 'b', 'c'])
    with pytest.raises(ValueError, match='refit it for this model'):
        MultiLabelInferencer(quickstart_config, str(ckpt))


def test_checkpoint_without_class_names(quickstart_config,
                                        quickstart_checkpoint, tmp_path,
                                        image_folder, write_checkpoint):
    state = torch.load(quickstart_checkpoint)['state_dict']
    bare = write_checkpoint(tmp_path / 'converted.pth', state, classes=None)
    with pytest.raises(ValueError) as err:
        MultiLabelInferencer(quickstart_config, bare)
    assert 'converted.pth has no class names' in str(err.value)
    assert '--classes' in str(err.value) and 'classes=[' in str(err.value)
    names = [f'digit {i}' for i in range(10)]
    inferencer = MultiLabelInferencer(quickstart_config, bare, classes=names,
                                      thresholds=None, topk=1, thr=None)
    result = inferencer(str(image_folder))[0]
    assert len(result['pred_class']) == 1
    assert result['pred_class'][0].startswith('digit ')
    with pytest.raises(ValueError, match='3 class names for a head of 10'):
        MultiLabelInferencer(quickstart_config, bare, classes=['a', 'b', 'c'])

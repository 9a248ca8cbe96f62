"""Tests of the registered MLCMetric through process() / evaluate()."""
from unittest import mock

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from sklearn.metrics import average_precision_score

import mmmlc  # noqa: F401
from mmmlc.evaluation import MLCMetric
from mmmlc.registry import METRICS


def test_hand_computed_example_with_difficult(make_samples):
    # The 4 x 3 example of test_multilabel_functional.py; image 2 has class
    # 2 only as a difficult object (ignored for class 2).
    scores = [[0.9, 0.6, 0.1], [0.8, 0.4, 0.7], [0.6, 0.7, 0.6],
              [0.2, 0.1, 0.55]]
    labels = [[0], [0, 1], [1], [0, 2]]
    difficult = [None, None, [2], None]
    metric = METRICS.build(dict(type='MLCMetric'))
    metric.dataset_meta = dict(classes=('a', 'b', 'c'))
    samples = make_samples(scores, labels, difficult)
    metric.process(None, samples[:3])
    metric.process(None, samples[3:])
    np.testing.assert_array_equal(metric.results[2]['target'], [0, 1, -1])
    assert metric.results[0]['pred_score'].dtype == np.float32
    res = metric.evaluate(4)
    expected = {
        'mAP': 75.0,  # (11/12 + 5/6 + 1/2) / 3
        'CP': 500 / 9,
        'CR': 1300 / 18,
        'CF1': 13000 / 207,
        'OP': 400 / 7,
        'OR': 400 / 6,
        'OF1': 800 / 13,
    }
    for name, value in expected.items():
        assert res[f'multi-label/{name}'] == pytest.approx(value, abs=1e-4)
        # 3 classes: the top 3 is everything.
        if name != 'mAP':
            assert res[f'multi-label/{name}_top3'] == pytest.approx(value,
                                                                    abs=1e-4)
    assert len(res) == 13


def test_difficult_class_also_labelled_stays_positive(make_samples):
    metric = MLCMetric()
    metric.process(None, make_samples([[0.1, 0.9]], [[1]], [[1, 0]]))
    np.testing.assert_array_equal(metric.results[0]['target'], [-1, 1])


def test_matches_sklearn_and_logs_empty_class(make_samples):
    rng = np.random.default_rng(0)
    num_samples, num_classes = 60, 6
    scores = np.round(rng.random((num_samples, num_classes)), 1)
    onehot = rng.random((num_samples, num_classes)) < 0.35
    onehot[:, 4] = False  # class 'e' never positive
    labels = [np.flatnonzero(row).tolist() for row in onehot]
    difficult = [[] for _ in range(num_samples)]
    for i in (3, 7, 11):
        difficult[i] = [c for c in (0, 4) if not onehot[i, c]]

    metric = MLCMetric(thr=0.5, topk=3, prefix='val')
    metric.dataset_meta = dict(classes=('a', 'b', 'c', 'd', 'e', 'f'))
    metric.process(None, make_samples(scores, labels, difficult))
    logger = MMLogger.get_current_instance()
    with mock.patch.object(logger, 'warning') as warning:
        res = metric.evaluate(num_samples)
    warning.assert_called_once()
    message = warning.call_args[0][0]
    assert '1 of 6 classes' in message and ': e.' in message

    target = onehot.astype(np.int64)
    for i, classes in enumerate(difficult):
        target[i, classes] = -1
    aps = []
    for c in range(num_classes):
        keep = target[:, c] != -1
        if (target[keep, c] == 1).any():
            aps.append(
                average_precision_score(target[keep, c],
                                        scores[keep, c].astype(np.float32)))
    assert res['val/mAP'] == pytest.approx(100 * np.mean(aps), abs=1e-6)
    assert set(res) == {
        f'val/{name}{suffix}'
        for name in ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')
        for suffix in ('', '_top3')
    } | {'val/mAP'}
    # More labels pass 0.5 than fit in the top 3 here: top-3 recall is lower.
    assert res['val/OR_top3'] < res['val/OR']


def test_items_and_no_topk(make_samples):
    metric = MLCMetric(topk=None, items=('mAP', 'CF1'))
    metric.process(None, make_samples([[0.9, 0.2], [0.3, 0.8]], [[0], [1]]))
    res = metric.evaluate(2)
    assert res == {'multi-label/mAP': 100.0, 'multi-label/CF1': 100.0}


def test_bad_arguments_and_samples(make_samples):
    with pytest.raises(ValueError, match='items'):
        MLCMetric(items=('mAP', 'F1'))
    with pytest.raises(ValueError, match='topk'):
        MLCMetric(topk=0)
    metric = MLCMetric()
    with pytest.raises(KeyError, match='gt_label'):
        metric.process(None, [dict(pred_score=torch.rand(3))])
    with pytest.raises(ValueError, match='out of range'):
        metric.process(None, make_samples([[0.1, 0.2]], [[2]]))

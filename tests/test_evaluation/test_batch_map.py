"""BatchMeanAP: the reference's batch-averaged mAP ("ref-batch-mAP(B)")."""
from unittest import mock

import numpy as np
import pytest
from mmengine.logging import MMLogger

import mmmlc  # noqa: F401
from mmmlc.evaluation import batch_mean_average_precision
from mmmlc.registry import METRICS

# 5 samples x 2 classes. With B = 2 the chunks are {0, 1}, {2, 3}, {4}:
#   chunk 1: class 0 AP 1 (its positive ranks first), class 1 no positive
#            -> chunk mAP 1, weight 2
#   chunk 2: class 0 AP 1/2 (positive ranked 2nd), class 1 AP 1
#            -> chunk mAP 3/4, weight 2
#   chunk 3: class 0 no positive, class 1 AP 1 -> chunk mAP 1, weight 1
#   ref-batch-mAP(2) = (2 * 1 + 2 * 3/4 + 1 * 1) / 5 = 0.9
# With B >= 5 it is the dataset-level mAP: class 0 (1 + 2/4) / 2 = 3/4,
# class 1 (1 + 2/3 + 3/4) / 3 = 29/36, mean 7/9.
SCORES = np.array([[0.9, 0.1], [0.2, 0.7], [0.8, 0.4], [0.3, 0.6],
                   [0.5, 0.9]])
TARGET = np.array([[1, 0], [0, 0], [0, 1], [1, 1], [0, 1]])
LABELS = [[0], [], [1], [0, 1], [1]]


def _reference_batch_map(scores, target, batch_size):
    """The reference's loop: per batch, per class, argsort, precision@i."""
    values, weights = [], []
    for start in range(0, len(scores), batch_size):
        s, t = scores[start:start + batch_size], target[start:start +
                                                        batch_size]
        aps = []
        for c in range(s.shape[1]):
            if t[:, c].sum() == 0:
                aps.append(np.nan)
                continue
            order = np.argsort(-s[:, c])
            hits = t[order, c]
            ranks = np.flatnonzero(hits) + 1
            aps.append(np.mean(np.arange(1, len(ranks) + 1) / ranks))
        # The reference's np.nanmean: NaN for a batch without positives.
        values.append(np.nan if np.isnan(aps).all() else np.nanmean(aps))
        weights.append(len(s))
    return np.average(values, weights=weights)


def test_hand_computed_chunks():
    out = batch_mean_average_precision(SCORES, TARGET, batch_size=2)
    assert out['mAP'] == pytest.approx(0.9, abs=1e-12)
    assert out['num_chunks'] == 3 and out['num_skipped'] == 0
    whole = batch_mean_average_precision(SCORES, TARGET, batch_size=5)
    assert whole['mAP'] == pytest.approx(7 / 9, abs=1e-12)
    # The value depends on B.
    b3 = batch_mean_average_precision(SCORES, TARGET, batch_size=3)
    assert b3['mAP'] != pytest.approx(0.9) and b3['mAP'] != pytest.approx(
        7 / 9)


def test_registered_metric_end_to_end(make_samples):
    metric = METRICS.build(dict(type='BatchMeanAP', batch_size=2))
    samples = make_samples(SCORES, LABELS)
    metric.process(None, samples[:3])
    metric.process(None, samples[3:])
    res = metric.evaluate(5)
    assert res == {'multi-label/ref-batch-mAP_B2': pytest.approx(90.0)}
    # B >= N: the dataset-level mAP of MLCMetric.
    whole, mlc = (METRICS.build(dict(type='BatchMeanAP', batch_size=256)),
                  METRICS.build(dict(type='MLCMetric')))
    for m in (whole, mlc):
        m.process(None, samples)
    assert whole.evaluate(5)['multi-label/ref-batch-mAP_B256'] == \
        pytest.approx(mlc.evaluate(5)['multi-label/mAP'])


@pytest.mark.parametrize('batch_size', [1, 7, 32, 100])
def test_matches_reference_loop_on_random_scores(batch_size):
    rng = np.random.default_rng(batch_size)
    scores = rng.random((100, 6))
    target = (rng.random((100, 6)) < 0.2).astype(np.int8)
    target[:, 0] = 0  # a class that never has a positive
    ours = batch_mean_average_precision(scores, target, batch_size)['mAP']
    ref = _reference_batch_map(scores, target, batch_size)
    if batch_size == 1:
        # One-sample chunks without a positive are NaN in the reference
        # (its whole average becomes NaN); we skip them.
        assert np.isnan(ref)
        keep = target.any(axis=1)
        ref = _reference_batch_map(scores[keep], target[keep], 1)
    assert ours == pytest.approx(ref, abs=1e-12)


def test_chunk_without_positive_is_skipped_and_logged(make_samples):
    scores = np.array([[0.2, 0.3], [0.4, 0.1], [0.9, 0.8]])
    target = np.array([[0, 0], [0, 0], [1, 0]])
    out = batch_mean_average_precision(scores, target, batch_size=2)
    assert out == dict(mAP=1.0, num_chunks=2, num_skipped=1)
    metric = METRICS.build(dict(type='BatchMeanAP', batch_size=2))
    metric.process(None, make_samples(scores, [[], [], [0]]))
    logger = MMLogger.get_current_instance()
    with mock.patch.object(logger, 'warning') as warning:
        res = metric.evaluate(3)
    assert res['multi-label/ref-batch-mAP_B2'] == pytest.approx(100.0)
    assert '1 of 2 chunks' in warning.call_args[0][0]


def test_difficult_entries_are_ignored(make_samples):
    # Sample 1 has class 0 only as a difficult object: in chunk {0, 1} the
    # negative that outranks the positive is then ignored, AP 1 not 1/2.
    scores = np.array([[0.3, 0.1], [0.9, 0.2]])
    metric = METRICS.build(dict(type='BatchMeanAP', batch_size=2))
    metric.process(None,
                   make_samples(scores, [[0], []], difficult=[None, [0]]))
    assert metric.evaluate(2) == {
        'multi-label/ref-batch-mAP_B2': pytest.approx(100.0)
    }


def test_bad_batch_size():
    with pytest.raises(ValueError, match='batch_size'):
        METRICS.build(dict(type='BatchMeanAP', batch_size=0))

"""Tests of mmmlc.evaluation.functional.multilabel."""
import numpy as np
import pytest
import torch
from sklearn.metrics import average_precision_score

import mmmlc  # noqa: F401
from mmmlc.evaluation.functional import (average_precision,
                                         mean_average_precision,
                                         multilabel_metrics, threshold_metrics,
                                         topk_mask)


def _sklearn_ap(scores: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-class sklearn AP with the -1 entries of that class removed."""
    aps = []
    for c in range(scores.shape[1]):
        keep = target[:, c] != -1
        y_true = target[keep, c]
        if not (y_true == 1).any():
            aps.append(np.nan)
            continue
        aps.append(average_precision_score(y_true, scores[keep, c]))
    return np.array(aps)


def _random_case(seed: int, num_samples: int = 400, num_classes: int = 9):
    """Scores rounded to 1 decimal (heavy ties), ignored entries, one class
    without positives (but with ignored entries) and one all-positive."""
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random((num_samples, num_classes)), 1)
    target = (rng.random((num_samples, num_classes)) < 0.3).astype(np.int64)
    target[rng.random((num_samples, num_classes)) < 0.1] = -1
    target[:, 2] = np.where(target[:, 2] == -1, -1, 0)
    target[:, 5] = 1
    target[:3, 5] = -1
    return scores, target


@pytest.mark.parametrize('seed', [0, 1, 2])
@pytest.mark.parametrize('dtype', ['float64', 'float32', 'torch'])
def test_average_precision_matches_sklearn_with_ties(seed, dtype):
    scores, target = _random_case(seed)
    if dtype == 'float32':
        # float32 fast path; sklearn sees the same float32 values.
        scores = scores.astype(np.float32)
    expected = _sklearn_ap(scores, target)
    if dtype == 'torch':
        ap = average_precision(torch.from_numpy(scores),
                               torch.from_numpy(target))
    else:
        # float64 values rounded to 0.1 are not float32 values: rank path.
        ap = average_precision(scores, target)
    assert ap.shape == (scores.shape[1], )
    assert np.isnan(ap[2]) and np.isnan(expected[2])
    assert ap[5] == pytest.approx(1.0)
    np.testing.assert_allclose(ap, expected, rtol=0, atol=1e-9)
    # Real ties exist, so grouping matters in this test.
    assert len(np.unique(scores[:, 0])) < 15


def test_average_precision_negative_scores_signed_zero_and_inf():
    rng = np.random.default_rng(3)
    logits = np.round(rng.normal(size=(300, 4)), 1).astype(np.float32)
    logits[:20, 0] = -0.0
    logits[20:40, 0] = 0.0
    logits[40:45, 1] = np.inf
    logits[45:50, 1] = -np.inf
    target = (rng.random((300, 4)) < 0.4).astype(np.int8)
    # sklearn rejects inf: finite stand-ins with the same order.
    finite = np.clip(logits, -1e30, 1e30)
    np.testing.assert_allclose(average_precision(logits, target),
                               _sklearn_ap(finite, target),
                               rtol=0,
                               atol=1e-9)


def test_average_precision_hand_computed():
    # Class 0 ranks + + - +: AP = (1/1 + 2/2 + 3/4) / 3.
    # Class 1 ranks a 0.5 tie (one +, one -), then + then -: the tie group
    # ends at precision 1/2, then 2/3: AP = (1/2 + 2/3) / 2 (ranking the tie
    # + first, as mmpretrain may, would give (1 + 2/3) / 2).
    scores = np.array([[0.9, 0.5], [0.8, 0.5], [0.6, 0.3], [0.2, 0.1]])
    target = np.array([[1, 1], [1, 0], [0, 1], [1, 0]])
    ap = average_precision(scores, target)
    np.testing.assert_allclose(ap, [2.75 / 3, (1 / 2 + 2 / 3) / 2])


def test_mean_average_precision_excludes_classes_without_positive():
    scores, target = _random_case(4)
    target[:, 7] = 0
    expected = _sklearn_ap(scores, target)
    value, excluded = mean_average_precision(scores, target)
    assert excluded == [2, 7]
    assert value == pytest.approx(np.nanmean(expected), abs=1e-12)


def test_mean_average_precision_no_positive_at_all():
    value, excluded = mean_average_precision(np.random.rand(5, 3),
                                             np.zeros((5, 3), dtype=np.int64))
    assert np.isnan(value)
    assert excluded == [0, 1, 2]


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match='shape'):
        average_precision(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r'\{-1, 0, 1\}'):
        average_precision(np.zeros((3, 2)), np.full((3, 2), 2))
    with pytest.raises(ValueError, match='NaN'):
        average_precision(np.full((3, 2), np.nan), np.zeros((3, 2)))
    with pytest.raises(TypeError, match='numpy array or a torch tensor'):
        average_precision([[0.1]], np.zeros((1, 1)))


# 4 images x 3 classes; image 2 has class 2 as a difficult (ignored) label.
_SCORES = np.array([[0.9, 0.6, 0.1], [0.8, 0.4, 0.7], [0.6, 0.7, 0.6],
                    [0.2, 0.1, 0.55]])
_TARGET = np.array([[1, 0, 0], [1, 1, 0], [0, 1, -1], [1, 0, 1]])


def test_threshold_metrics_hand_computed():
    # Predictions (score >= 0.5), the ignored entry of class 2 left out:
    #   class 0: Nc=2 Np=3 Ng=3;  class 1: Nc=1 Np=2 Ng=2;
    #   class 2: Nc=1 Np=2 Ng=1.
    # CP = (2/3 + 1/2 + 1/2) / 3 = 5/9, CR = (2/3 + 1/2 + 1) / 3 = 13/18,
    # CF1 = 2 CP CR / (CP + CR) = 130/207,
    # OP = 4/7, OR = 4/6, OF1 = 2 OP OR / (OP + OR) = 8/13.
    res = threshold_metrics(_SCORES, _TARGET, thr=0.5)
    assert res['CP'] == pytest.approx(5 / 9)
    assert res['CR'] == pytest.approx(13 / 18)
    assert res['CF1'] == pytest.approx(130 / 207)
    assert res['OP'] == pytest.approx(4 / 7)
    assert res['OR'] == pytest.approx(4 / 6)
    assert res['OF1'] == pytest.approx(8 / 13)
    # Not the mean of per-class F1 (mmpretrain's macro F1):
    # (2/3 + 1/2 + 2/3) / 3 = 0.6111.
    assert res['CF1'] != pytest.approx((2 / 3 + 1 / 2 + 2 / 3) / 3, abs=1e-3)


def test_multilabel_metrics_hand_computed():
    # AP: class 0 ranks + + - + -> (1 + 1 + 3/4) / 3 = 11/12;
    # class 1 ranks + - + - -> (1 + 2/3) / 2 = 5/6;
    # class 2 ranks - + - (0.6 ignored) -> 1/2. mAP = 3/4.
    res, ap = multilabel_metrics(_SCORES, _TARGET, thr=0.5, topk=3)
    np.testing.assert_allclose(ap, [11 / 12, 5 / 6, 1 / 2])
    assert res['mAP'] == pytest.approx(0.75)
    # With 3 classes the top 3 is everything.
    for name in ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1'):
        assert res[f'{name}_top3'] == pytest.approx(res[name])
    assert set(res) == {
        'mAP', 'CP', 'CR', 'CF1', 'OP', 'OR', 'OF1', 'CP_top3', 'CR_top3',
        'CF1_top3', 'OP_top3', 'OR_top3', 'OF1_top3'
    }


def test_top3_needs_the_threshold_too():
    # Image 0: the top 3 holds 0.4 < thr, so only classes 0 and 1 count.
    # Image 1: 4 scores >= thr, the top 3 drops class 3 (0.7).
    scores = np.array([[0.9, 0.6, 0.4, 0.3, 0.1], [0.95, 0.9, 0.8, 0.7, 0.1]])
    target = np.array([[1, 0, 1, 0, 0], [0, 1, 0, 1, 0]])
    # Top-3 predictions: image 0 {0, 1}, image 1 {0, 1, 2}.
    #   c0: Nc=1 Np=2 Ng=1; c1: Nc=1 Np=2 Ng=1; c2: Nc=0 Np=1 Ng=1;
    #   c3: Nc=0 Np=0 (precision 0) Ng=1; c4: no positive, left out.
    top = threshold_metrics(scores, target, thr=0.5, topk=3)
    assert top['CP'] == pytest.approx(0.25)
    assert top['CR'] == pytest.approx(0.5)
    assert top['CF1'] == pytest.approx(1 / 3)
    assert top['OP'] == pytest.approx(0.4)
    assert top['OR'] == pytest.approx(0.5)
    assert top['OF1'] == pytest.approx(4 / 9)
    # Threshold only: image 1 also predicts class 3 (correct).
    plain = threshold_metrics(scores, target, thr=0.5)
    assert plain['CP'] == pytest.approx(0.5)
    assert plain['CR'] == pytest.approx(0.75)
    assert plain['OP'] == pytest.approx(0.5)
    assert plain['OF1'] == pytest.approx(0.6)


def test_topk_mask_ties_lower_index_wins():
    scores = np.array([[0.5, 0.9, 0.5, 0.5], [0.7, 0.7, 0.7, 0.1],
                       [0.1, 0.2, 0.3, 0.4]])
    expected = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1]], bool)
    np.testing.assert_array_equal(topk_mask(scores, 2), expected)
    assert topk_mask(scores, 9).all()


def test_topk_mask_matches_stable_sort():
    rng = np.random.default_rng(5)
    scores = np.round(rng.random((200, 10)), 1)
    order = np.argsort(-scores, axis=1, kind='stable')[:, :3]
    expected = np.zeros_like(scores, dtype=bool)
    np.put_along_axis(expected, order, True, axis=1)
    np.testing.assert_array_equal(topk_mask(scores, 3), expected)


def test_threshold_metrics_match_bruteforce():
    scores, target = _random_case(6, num_samples=300, num_classes=8)
    top = topk_mask(scores, 3)
    res = threshold_metrics(scores, target, thr=0.5, topk=3)
    valid, pos = target != -1, target == 1
    pred = (scores >= 0.5) & top & valid
    nc = (pred & pos).sum(0)
    npred = pred.sum(0)
    ng = pos.sum(0)
    keep = ng > 0
    cp = np.mean([n / p if p else 0.0 for n, p in zip(nc[keep], npred[keep])])
    assert res['CP'] == pytest.approx(cp)
    assert res['CR'] == pytest.approx(np.mean(nc[keep] / ng[keep]))
    assert res['OP'] == pytest.approx(nc.sum() / npred.sum())
    assert res['OR'] == pytest.approx(nc.sum() / ng.sum())


def test_threshold_metrics_zero_predictions():
    res = threshold_metrics(np.zeros((3, 2)), np.array([[1, 0], [0, 1], [0,
                                                                         0]]))
    assert res == dict(CP=0.0, CR=0.0, CF1=0.0, OP=0.0, OR=0.0, OF1=0.0)

"""Decision thresholds: fitted values checked by hand on small tables."""
import json

import numpy as np
import pytest

from mmmlc.apis.thresholds import (decide_labels, fit_f1_thresholds,
                                   fit_precision_thresholds, load_thresholds,
                                   save_thresholds, thresholds_path_for)

# Columns: class a, class b, class c (no positive), class d (ties, ignored).
SCORES = np.array([
    [0.9, 0.2, 0.5, 0.7],
    [0.8, 0.4, 0.1, 0.7],
    [0.7, 0.6, 0.3, 0.7],
    [0.6, 0.8, 0.2, 0.2],
    [0.3, 0.1, 0.9, 0.9],
])
TARGETS = np.array([
    [1, 0, 0, 1],
    [0, 1, 0, 0],
    [1, 0, 0, 1],
    [1, 1, 0, 0],
    [0, 0, 0, -1],
])


def test_f1_thresholds_are_the_hand_computed_maximisers():
    fit = fit_f1_thresholds(SCORES, TARGETS)
    # a (3 positives): cuts 0.9, 0.8, 0.7, 0.6, 0.3 give F1 = 2TP/(2TP+FP+FN)
    # 2/4, 2/5, 4/6, 6/7, 6/8 -> best 6/7 at 0.6, threshold (0.6+0.3)/2.
    # b (2 positives): cuts 0.8, 0.6, 0.4, 0.2, 0.1: TP 1,1,2,2,2,
    # FP 0,1,1,2,3: F1 2/3, 2/4, 4/5, 4/6, 4/7 -> best at 0.4, thr 0.3.
    # c: no positive -> the default 0.5, not fitted.
    # d: the 0.9 row is ignored; cuts 0.7 (a tie of three rows: TP 2 FP 1)
    # and 0.2 (TP 2 FP 2): F1 4/5 vs 4/6 -> the tie at 0.7, thr 0.45.
    np.testing.assert_allclose(fit['thresholds'], [0.45, 0.3, 0.5, 0.45])
    np.testing.assert_array_equal(fit['fitted'], [True, True, False, True])
    np.testing.assert_allclose(fit['f1'][[0, 1, 3]], [6 / 7, 4 / 5, 4 / 5])
    np.testing.assert_allclose(fit['precision'][[0, 1, 3]], [3 / 4, 2 / 3,
                                                             2 / 3])
    assert np.isnan(fit['f1'][2])
    # On the data it was fitted on, each threshold gives its F1 exactly.
    pred = decide_labels(SCORES, fit['thresholds'])
    valid = TARGETS >= 0
    for c in (0, 1, 3):
        tp = np.sum(pred[:, c] & (TARGETS[:, c] == 1) & valid[:, c])
        fp = np.sum(pred[:, c] & (TARGETS[:, c] == 0))
        fn = np.sum(~pred[:, c] & (TARGETS[:, c] == 1))
        assert 2 * tp / (2 * tp + fp + fn) == pytest.approx(fit['f1'][c])


def test_f1_thresholds_are_invariant_to_row_order():
    order = np.array([3, 0, 4, 2, 1])
    np.testing.assert_allclose(
        fit_f1_thresholds(SCORES[order], TARGETS[order])['thresholds'],
        fit_f1_thresholds(SCORES, TARGETS)['thresholds'])


def test_precision_thresholds_take_the_most_recall_at_the_target():
    fit = fit_precision_thresholds(SCORES, TARGETS, 0.75)
    # a: precision at the cuts 1, 1/2, 2/3, 3/4, 3/5 -> the cut 0.6 reaches
    # 0.75 with all 3 positives. b: 1, 1/2, 2/3, 1/2, 2/5 -> only the cut
    # 0.8 (TP 1). d: 2/3, 2/4 -> 0.75 never reached: the best precision.
    np.testing.assert_allclose(fit['thresholds'], [0.45, 0.7, 0.5, 0.45])
    np.testing.assert_array_equal(fit['reached'], [True, True, False, False])
    np.testing.assert_allclose(fit['recall'][[0, 1]], [1.0, 0.5])
    with pytest.raises(ValueError, match='target_precision'):
        fit_precision_thresholds(SCORES, TARGETS, 0.0)


def test_decide_labels_global_topk_and_per_class():
    scores = np.array([[0.9, 0.6, 0.55, 0.1], [0.2, 0.4, 0.45, 0.3]])
    np.testing.assert_array_equal(
        decide_labels(scores, 0.5),
        [[1, 1, 1, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(
        decide_labels(scores, None, topk=2),
        [[1, 1, 0, 0], [0, 1, 1, 0]])
    np.testing.assert_array_equal(
        decide_labels(scores, 0.5, topk=2),
        [[1, 1, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(
        decide_labels(scores, [0.95, 0.4, 0.6, 0.3]),
        [[0, 1, 0, 0], [0, 1, 0, 1]])
    with pytest.raises(ValueError, match='3 thresholds for 4 classes'):
        decide_labels(scores, [0.5, 0.5, 0.5])


def test_thresholds_file_round_trip_and_refusals(tmp_path):
    path = thresholds_path_for(str(tmp_path / 'epoch_8.pth'))
    assert path == str(tmp_path / 'epoch_8.thresholds.json')
    save_thresholds(path, [0.25, 0.75], ['cat', 'dog'], split='val')
    record = load_thresholds(path, ['cat', 'dog'])
    np.testing.assert_allclose(record['thresholds'], [0.25, 0.75])
    assert record['split'] == 'val'
    with pytest.raises(ValueError) as err:
        load_thresholds(path, ['cat', 'dog', 'bird'])
    message = str(err.value)
    assert path in message and "['cat', 'dog']" in message
    assert 'fit_thresholds.py' in message
    with pytest.raises(ValueError, match='fitted for 2 classes'):
        load_thresholds(path, ['dog', 'cat'])  # same names, other order
    other = tmp_path / 'other.json'
    other.write_text(json.dumps({'thresholds': [0.5]}))
    with pytest.raises(ValueError, match='not a thresholds file'):
        load_thresholds(str(other))
    broken = tmp_path / 'broken.json'
    broken.write_text('{')
    with pytest.raises(ValueError, match='broken.json is not JSON'):
        load_thresholds(str(broken))
    with pytest.raises(FileNotFoundError, match='missing.json'):
        load_thresholds(str(tmp_path / 'missing.json'))

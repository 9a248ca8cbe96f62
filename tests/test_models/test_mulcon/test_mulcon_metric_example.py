"""The metric example of docs/reference/mulcon.md (Fidelity vectors).

Our shared metric reproduces the release's values except top-k OP/OF1,
where the release clamps a never-predicted class's count to 1 inside OP's
denominator (docs/reference/mulcon.md (Evaluation conventions)).
"""
import numpy as np
import pytest

import mmmlc  # noqa: F401
from mmmlc.evaluation.functional import multilabel_metrics, threshold_metrics

SCORES = np.array([[.9, .6, .2], [.4, .7, .55], [.8, .1, .3], [.3, .2, .1]])
TARGETS = np.array([[1, 0, 0], [1, 1, 1], [0, 0, 0], [0, 0, 1]])


def test_map_and_threshold_metrics():
    results, ap = multilabel_metrics(SCORES, TARGETS)
    np.testing.assert_allclose(ap, [0.833333, 1.0, 0.75], atol=1e-6)
    assert 100 * results['mAP'] == pytest.approx(86.111, abs=1e-3)
    for key in ('OP', 'OR', 'OF1'):
        assert results[key] == pytest.approx(0.6)
    for key in ('CP', 'CR', 'CF1'):
        assert results[key] == pytest.approx(2 / 3)


def test_top1_with_the_threshold_gate():
    top1 = threshold_metrics(SCORES, TARGETS, topk=1)
    for key in ('CP', 'CR', 'CF1'):
        assert top1[key] == pytest.approx(0.5)
    assert top1['OR'] == pytest.approx(0.4)
    # Release: OP 0.5, OF1 0.444444 (class 2, never predicted, adds 1).
    assert top1['OP'] == pytest.approx(2 / 3)
    assert top1['OF1'] == pytest.approx(0.5)

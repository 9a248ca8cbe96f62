"""Multi-label evaluation: pure functions and the registered metric."""
from .functional import (average_precision, mean_average_precision,
                         multilabel_metrics, threshold_metrics, topk_mask)
from .metrics import DumpMultiLabelPredictions, MLCMetric

__all__ = [
    'DumpMultiLabelPredictions', 'MLCMetric', 'average_precision', 'mean_average_precision',
    'multilabel_metrics', 'threshold_metrics', 'topk_mask'
]

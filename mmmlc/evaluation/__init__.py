"""Multi-label evaluation: pure functions and the registered metric."""
from .functional import (average_precision, mean_average_precision,
                         multilabel_metrics, threshold_metrics, topk_mask)
from .metrics import (BatchMeanAP, DumpMultiLabelPredictions, MLCMetric,
                      batch_mean_average_precision)

__all__ = [
    'BatchMeanAP', 'DumpMultiLabelPredictions', 'MLCMetric',
    'average_precision', 'batch_mean_average_precision',
    'mean_average_precision', 'multilabel_metrics', 'threshold_metrics',
    'topk_mask'
]

"""Pure metric functions (numpy in, numpy / float out)."""
from .multilabel import (average_precision, mean_average_precision,
                         multilabel_metrics, threshold_metrics, topk_mask)

__all__ = [
    'average_precision', 'mean_average_precision', 'multilabel_metrics',
    'threshold_metrics', 'topk_mask'
]

"""Registered mmengine metrics."""
from .batch_map import BatchMeanAP, batch_mean_average_precision
from .dump_predictions import DumpMultiLabelPredictions
from .multilabel_metric import MLCMetric

__all__ = [
    'BatchMeanAP', 'DumpMultiLabelPredictions', 'MLCMetric',
    'batch_mean_average_precision'
]

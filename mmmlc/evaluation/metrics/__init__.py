"""Registered mmengine metrics."""
from .dump_predictions import DumpMultiLabelPredictions
from .multilabel_metric import MLCMetric

__all__ = ['DumpMultiLabelPredictions', 'MLCMetric']

"""Registered mmengine metrics."""
from .batch_map import BatchMeanAP, batch_mean_average_precision
from .cam_metrics import CAMCorLoc, CAMmIoU
from .dump_cams import DumpCAMs, load_cam_file, save_cam_file
from .dump_predictions import DumpMultiLabelPredictions
from .multilabel_metric import MLCMetric

__all__ = [
    'BatchMeanAP', 'CAMCorLoc', 'CAMmIoU', 'DumpMultiLabelPredictions',
    'MLCMetric', 'DumpCAMs', 'load_cam_file', 'save_cam_file',
    'batch_mean_average_precision'
]

"""Using a trained model: inference, decision thresholds, weight choice.

See docs/use_a_trained_model.md.
"""
from .fitted_threshold_metric import FittedThresholdMetric
from .inferencer import MultiLabelInferencer, list_images
from .model import (checkpoint_classes, init_multilabel_model,
                    predict_dataset)
from .thresholds import (decide_labels, fit_f1_thresholds,
                         fit_precision_thresholds, load_thresholds,
                         save_thresholds, thresholds_path_for)

__all__ = [
    'FittedThresholdMetric', 'MultiLabelInferencer', 'checkpoint_classes',
    'decide_labels', 'fit_f1_thresholds', 'fit_precision_thresholds',
    'init_multilabel_model', 'list_images', 'load_thresholds',
    'predict_dataset', 'save_thresholds', 'thresholds_path_for'
]

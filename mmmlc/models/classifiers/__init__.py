"""Classifiers: thin ImageClassifier variants."""
from .csi_mil import CSIMILClassifier
from .label_aware_classifier import LabelAwareClassifier
from .mulcon_classifier import MulConClassifier
from .oass import OASSClassifier

__all__ = [
    'CSIMILClassifier', 'LabelAwareClassifier', 'MulConClassifier',
    'OASSClassifier'
]

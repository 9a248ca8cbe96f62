"""Classifiers: thin ImageClassifier variants."""
from .label_aware_classifier import LabelAwareClassifier
from .mulcon_classifier import MulConClassifier
from .oass import OASSClassifier

__all__ = ['LabelAwareClassifier', 'MulConClassifier', 'OASSClassifier']

"""Classifiers: thin ImageClassifier variants."""
from .label_aware_classifier import LabelAwareClassifier
from .mulcon_classifier import MulConClassifier

__all__ = ['LabelAwareClassifier', 'MulConClassifier']

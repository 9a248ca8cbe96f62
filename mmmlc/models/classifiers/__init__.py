"""Classifiers: thin ImageClassifier variants."""
from .label_aware_classifier import LabelAwareClassifier
from .oass import OASSClassifier

__all__ = ['LabelAwareClassifier', 'OASSClassifier']

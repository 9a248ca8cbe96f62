"""Classifiers: thin ImageClassifier variants."""
from .label_aware_classifier import LabelAwareClassifier

__all__ = ['LabelAwareClassifier']

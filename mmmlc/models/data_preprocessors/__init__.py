"""Data preprocessors of mmmlc's models."""
from .csi_preprocessor import CSIDataPreprocessor
from .multi_view_preprocessor import MultiViewDataPreprocessor

__all__ = ['CSIDataPreprocessor', 'MultiViewDataPreprocessor']

"""Necks: method-specific modules between backbone and head."""
from .salgl_neck import SceneLabelGraphNeck

__all__ = ['SceneLabelGraphNeck']

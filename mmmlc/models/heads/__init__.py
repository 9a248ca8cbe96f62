"""Heads: thin classifiers that own the loss."""
from .per_class_head import PerClassLinearHead
from .scene_aware_head import SceneAwarePerClassHead
from .gaelle_head import GAELLEHead

__all__ = ['PerClassLinearHead', 'SceneAwarePerClassHead', 'GAELLEHead']

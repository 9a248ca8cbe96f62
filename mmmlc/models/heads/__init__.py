"""Heads: thin classifiers that own the loss."""
from .masked_multilabel_head import MaskedMultiLabelLinearClsHead
from .per_class_head import PerClassLinearHead
from .scene_aware_head import SceneAwarePerClassHead
from .gaelle_head import GAELLEHead
from .cam_head import CAMHead

__all__ = [
    'MaskedMultiLabelLinearClsHead', 'PerClassLinearHead',
    'SceneAwarePerClassHead', 'GAELLEHead', 'CAMHead'
]

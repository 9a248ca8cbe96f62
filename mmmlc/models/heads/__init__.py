"""Heads: thin classifiers that own the loss."""
from .cam_head import CAMHead
from .gaelle_head import GAELLEHead
from .masked_multilabel_head import MaskedMultiLabelLinearClsHead
from .mulcon_head import MulConHead
from .per_class_head import PerClassLinearHead
from .scene_aware_head import SceneAwarePerClassHead

__all__ = [
    'MaskedMultiLabelLinearClsHead', 'PerClassLinearHead',
    'SceneAwarePerClassHead', 'GAELLEHead', 'MulConHead', 'CAMHead'
]

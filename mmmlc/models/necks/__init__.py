"""Necks: method-specific modules between backbone and head."""
from .salgl_neck import SceneLabelGraphNeck
from .label_attention_neck import LabelWiseAttentionNeck
from .gaelle_neck import (GAELLENeck, grouped_attention_pooling,
                          position_batch_norm)

__all__ = [
    'SceneLabelGraphNeck', 'LabelWiseAttentionNeck', 'GAELLENeck', 'grouped_attention_pooling',
    'position_batch_norm'
]

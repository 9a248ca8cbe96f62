"""Building blocks of mmmlc's models: pure functions and small layers."""
from .context_encoder import ContextEncoderLayer, sine_position_encoding
from .fused_ema import FusedExponentialMovingAverage
from .gated_graph import GatedGraphPropagation
from .label_cooccurrence import (cooccurrence_to_transition,
                                 hard_scene_assignment, label_cooccurrence,
                                 scene_adjacency)
from .label_semantic_attention import LabelSemanticAttention
from .multi_hot import multi_hot_targets
from .sinkhorn import sinkhorn_knopp
from .set_attention import MultiheadAttentionBlock, set_attention

__all__ = [
    'ContextEncoderLayer', 'sine_position_encoding', 'GatedGraphPropagation',
    'FusedExponentialMovingAverage',
    'cooccurrence_to_transition', 'hard_scene_assignment',
    'label_cooccurrence', 'scene_adjacency', 'LabelSemanticAttention',
    'multi_hot_targets', 'sinkhorn_knopp', 'MultiheadAttentionBlock',
    'set_attention'
]

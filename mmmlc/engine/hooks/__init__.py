"""Method hooks."""
from .checkpoint_weights_hook import CheckpointWeightsHook
from .num_classes_check_hook import NumClassesCheckHook
from .pretrained_check_hook import PretrainedCheckHook
from .swav_hooks import FeatureQueueHook, PrototypeFreezeHook

__all__ = [
    'CheckpointWeightsHook',
    'NumClassesCheckHook', 'PretrainedCheckHook', 'FeatureQueueHook',
    'PrototypeFreezeHook'
]

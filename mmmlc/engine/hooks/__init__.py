"""Method hooks."""
from .checkpoint_check_hook import CheckpointCheckHook
from .num_classes_check_hook import NumClassesCheckHook
from .pretrained_check_hook import PretrainedCheckHook
from .swav_hooks import FeatureQueueHook, PrototypeFreezeHook

__all__ = [
    'CheckpointCheckHook', 'NumClassesCheckHook', 'PretrainedCheckHook', 'FeatureQueueHook',
    'PrototypeFreezeHook'
]

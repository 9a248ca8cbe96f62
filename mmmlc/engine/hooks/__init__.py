"""Method hooks."""
from .pretrained_check_hook import PretrainedCheckHook
from .swav_hooks import FeatureQueueHook, PrototypeFreezeHook

__all__ = ['PretrainedCheckHook', 'FeatureQueueHook', 'PrototypeFreezeHook']

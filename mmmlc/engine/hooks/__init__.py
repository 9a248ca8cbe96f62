"""Method hooks."""
from .atomic_checkpoint_hook import AtomicCheckpointHook, AtomicLocalBackend
from .checkpoint_check_hook import CheckpointCheckHook
from .checkpoint_weights_hook import CheckpointWeightsHook
from .num_classes_check_hook import NumClassesCheckHook
from .pretrained_check_hook import PretrainedCheckHook
from .sync_model_buffers_hook import SyncModelBuffersHook
from .swav_hooks import FeatureQueueHook, PrototypeFreezeHook

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'CheckpointCheckHook',
    'CheckpointWeightsHook',
    'NumClassesCheckHook', 'PretrainedCheckHook', 'FeatureQueueHook',
    'PrototypeFreezeHook', 'SyncModelBuffersHook'
]

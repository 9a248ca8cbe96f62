"""Method hooks."""
from .atomic_checkpoint_hook import AtomicCheckpointHook, AtomicLocalBackend
from .checkpoint_check_hook import CheckpointCheckHook
from .checkpoint_weights_hook import CheckpointWeightsHook
from .num_classes_check_hook import NumClassesCheckHook
from .oass_hook import OASSProgressHook
from .pretrained_check_hook import PretrainedCheckHook
from .split_hygiene_hook import SplitHygieneHook, check_disjoint_splits
from .swav_hooks import FeatureQueueHook, PrototypeFreezeHook
from .sync_model_buffers_hook import SyncModelBuffersHook

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'CheckpointCheckHook',
    'CheckpointWeightsHook', 'NumClassesCheckHook', 'OASSProgressHook',
    'PretrainedCheckHook', 'SplitHygieneHook', 'check_disjoint_splits',
    'FeatureQueueHook', 'PrototypeFreezeHook', 'SyncModelBuffersHook'
]

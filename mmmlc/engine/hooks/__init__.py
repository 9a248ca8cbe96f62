"""Method hooks."""
from .num_classes_check_hook import NumClassesCheckHook
from .pretrained_check_hook import PretrainedCheckHook
from .swav_hooks import FeatureQueueHook, PrototypeFreezeHook
from .oass_hook import OASSProgressHook
from .split_hygiene_hook import SplitHygieneHook, check_disjoint_splits

__all__ = [
    'NumClassesCheckHook', 'PretrainedCheckHook', 'FeatureQueueHook',
    'PrototypeFreezeHook', 'OASSProgressHook', 'SplitHygieneHook',
    'check_disjoint_splits'
]

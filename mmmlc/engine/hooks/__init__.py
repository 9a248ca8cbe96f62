"""Method hooks."""
from .pretrained_check_hook import PretrainedCheckHook

__all__ = ['PretrainedCheckHook']

"""Engine components: optimizer wrappers and method hooks."""
from .hooks import NumClassesCheckHook, PretrainedCheckHook
from .optimizers import BF16OptimWrapper

__all__ = ['BF16OptimWrapper', 'NumClassesCheckHook', 'PretrainedCheckHook']

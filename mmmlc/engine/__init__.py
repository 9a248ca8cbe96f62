"""Engine components: optimizer wrappers and method hooks."""
from .hooks import PretrainedCheckHook
from .optimizers import BF16OptimWrapper

__all__ = ['BF16OptimWrapper', 'PretrainedCheckHook']

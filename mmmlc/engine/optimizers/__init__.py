"""Optimizer wrappers and optimizers."""
from .bf16_optim_wrapper import BF16OptimWrapper
from .lars import LARSForeach, lars_trust_ratios
from .poly_lr import PuzzleCAMPolyLR

__all__ = [
    'BF16OptimWrapper', 'LARSForeach', 'lars_trust_ratios', 'PuzzleCAMPolyLR'
]

"""Self-supervised models."""
from .mocov2 import MoCoV2
from .gaelle import GAELLE

__all__ = ['MoCoV2', 'GAELLE']

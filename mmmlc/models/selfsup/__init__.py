"""Self-supervised models."""
from .mocov2 import MoCoV2

__all__ = ['MoCoV2']

"""Helpers for mmmlc's tests and for users checking their own modules."""
from .host_transfer import HostTransferGuard
from .scripts import load_script
from .tiny_salgl import train_tiny_salgl

__all__ = ['HostTransferGuard', 'load_script', 'train_tiny_salgl']

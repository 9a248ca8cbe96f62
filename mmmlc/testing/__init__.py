"""Helpers for mmmlc's tests and for users checking their own modules."""
from .host_transfer import HostTransferGuard

__all__ = ['HostTransferGuard']

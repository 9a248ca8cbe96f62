"""A context that turns autocast off where the device has it."""
import contextlib

import torch


def autocast_off(device: torch.device):
    """A context with autocast off on ``device`` (a no-op where none)."""
    if torch.amp.is_autocast_available(device.type):
        return torch.autocast(device_type=device.type, enabled=False)
    return contextlib.nullcontext()

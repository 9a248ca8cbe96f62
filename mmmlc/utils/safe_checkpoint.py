"""Local checkpoint loading that explains a ``weights_only`` refusal.

mmengine's local loader calls ``torch.load`` with PyTorch's default, which
is ``weights_only=True`` from PyTorch 2.6. When a file holds objects outside
the allow-list (:mod:`mmmlc.utils.compat`), PyTorch's message suggests
turning the check off, i.e. running whatever the pickle asks. mmmlc never
does that; this loader, registered for local paths in place of mmengine's,
names the file, says why it is refused and how a trusted file is converted
(``tools/model_converters/trusted_to_weights_only.py``).
"""
import os.path as osp
import pickle
import re

import torch
from mmengine.runner.checkpoint import CheckpointLoader

CONVERTER = 'tools/model_converters/trusted_to_weights_only.py'


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds objects mmmlc does not unpickle."""


def load_local_checkpoint(filename: str,
                          map_location=None,
                          mmap: bool = False) -> object:
    """Load a local checkpoint with ``torch.load(weights_only=True)``.

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str or callable, optional): As in :func:`torch.load`.
        mmap (bool): Map the tensors' storage instead of reading it, for a
            caller that looks at keys and shapes only (a file in PyTorch's
            legacy format is read in full). Defaults to False.

    Returns:
        object: The loaded checkpoint.

    Raises:
        FileNotFoundError: If ``filename`` is not a file.
        UnsafeCheckpointError: If PyTorch refuses an object in it.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        if mmap:
            try:
                return torch.load(
                    filename,
                    map_location=map_location,
                    weights_only=True,
                    mmap=True)
            except RuntimeError as err:
                if 'mmap' not in str(err):
                    raise
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        # PyTorch's text suggests turning the check off; keep only what it
        # refused.
        found = re.search(r'GLOBAL (\S+)', str(err))
        refused = (f'it refers to {found.group(1)}' if found else
                   str(err).strip().splitlines()[-1][:200])
        allow = found.group(1) if found else 'MODULE.NAME'
        raise UnsafeCheckpointError(
            f'{filename}: the checkpoint holds Python objects that mmmlc '
            'does not load, for safety (unpickling them could run any '
            f'code); {refused}. If you '
            'trust those classes, convert the file once to plain '
            f'tensors: python {CONVERTER} {filename} OUT.pth '
            f'--allow {allow}, then use OUT.pth.') from None


def use_safe_local_loader() -> None:
    """Register :func:`load_local_checkpoint` for local paths (prefix '')."""
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_local_checkpoint, force=True)

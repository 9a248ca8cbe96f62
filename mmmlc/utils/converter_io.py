"""Reading and writing the checkpoints of ``tools/model_converters``."""
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, Sequence

import torch


def load_tensor_state_dict(
        path: str,
        wrappers: Sequence[str] = ('state_dict', 'model')
) -> 'OrderedDict[str, torch.Tensor]':
    """Load another codebase's checkpoint as a plain state dict.

    Loaded with ``torch.load(weights_only=True)``: a file of anything but
    tensors (and plain containers) is refused, not executed. (mmengine's
    ``CheckpointLoader`` loads too, but neither refuses non-tensor entries
    nor unwraps EMA / DDP prefixes, which the converters need.)

    Args:
        path (str): A state dict file, or a dict holding one under the
            first key of ``wrappers`` that it has.
        wrappers (Sequence[str]): Keys that may hold the state dict, in
            order of preference.

    Returns:
        OrderedDict[str, Tensor]: The state dict, with the ``module.``
        prefixes of DDP or model-EMA wrappers removed while every key has
        one.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'source checkpoint not found: {path}')
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # re-raised with the file named
        raise ValueError(
            f'{path}: could not load with torch.load(weights_only=True); '
            f'expected a checkpoint of plain tensors ({err})') from err
    if isinstance(ckpt, dict):
        for wrapper in wrappers:
            if isinstance(ckpt.get(wrapper), dict):
                ckpt = ckpt[wrapper]
                break
    if not isinstance(ckpt, dict) or not ckpt:
        raise ValueError(f'{path}: expected a non-empty state dict, got '
                         f'{type(ckpt).__name__}')
    not_tensors = [k for k, v in ckpt.items() if not torch.is_tensor(v)]
    if not_tensors:
        raise ValueError(f'{path}: expected tensors only, these keys are '
                         f'not: {not_tensors[:10]}')
    state = OrderedDict(ckpt)
    while all(k.startswith('module.') for k in state):
        state = OrderedDict((k[len('module.'):], v) for k, v in state.items())
    return state


def save_converted(state_dict: Dict[str, torch.Tensor], meta: dict,
                   path: str) -> None:
    """Write ``dict(state_dict=..., meta=...)`` as mmengine checkpoints are.

    Args:
        state_dict (dict[str, Tensor]): Converted weights.
        meta (dict): Where they came from (plain Python values).
        path (str): Output file; its folder is created.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    torch.save(dict(state_dict=state_dict, meta=meta), path)

"""Class-list check for heads loaded by a ``Pretrained`` ``init_cfg``.

A fine-tune or probe config may initialise the model (or its head) from a
checkpoint through ``init_cfg=dict(type='Pretrained', ...)`` instead of
``load_from``. mmengine then loads the head's weights with ``strict=False``
inside ``init_weights`` and no ``after_load_checkpoint`` hook runs, so a
head trained on the same number of classes in another order would be
fine-tuned with each class's output wired to another class (issue 19,
item 1). These functions find such inits before the weights are
initialised, for :class:`CheckpointCheckHook` to apply its class-list rule,
and, for the remap by name, reorder the loaded head after it.
"""
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Optional, Sequence

import torch

from mmmlc.utils.safe_checkpoint import load_local_checkpoint


class HeadInit(NamedTuple):
    """A ``Pretrained`` init that loads tensors of the model's head.

    Attributes:
        source (str): ``'<checkpoint> (init_cfg of model[.<module>])'``.
        classes (list[str] or None): The checkpoint's
            ``meta.dataset_meta.classes``.
        head_tensors (dict[str, torch.Tensor]): The model keys under
            ``head.`` it loads (same shape as the model's), with the
            checkpoint's values.
    """
    source: str
    classes: Optional[List[str]]
    head_tensors: Dict[str, torch.Tensor]


def _pretrained_entries(init_cfg) -> List[dict]:
    cfgs = init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]
    return [
        cfg for cfg in cfgs if isinstance(cfg, dict)
        and cfg.get('type') in ('Pretrained', 'PretrainedInit')
        and cfg.get('checkpoint')
    ]


def find_head_inits(model: torch.nn.Module) -> List[HeadInit]:
    """The ``Pretrained`` inits of ``model`` that load head tensors.

    Every module's ``init_cfg`` is read (the model's own, ``head``'s,
    ``backbone``'s, ...). The checkpoint keys under the entry's ``prefix``
    (prefix removed, a DDP ``module.`` removed) are placed under the
    module's name, as mmengine's ``PretrainedInit`` loads them; those that
    land on a ``head.`` key of the model with the model's shape are the
    head tensors it loads. A backbone-only checkpoint loads none.

    Args:
        model (torch.nn.Module): The built model, before ``init_weights``.

    Returns:
        list[HeadInit]: One per init that loads at least one head tensor.
    """
    expected = model.state_dict()
    found = []
    for name, module in model.named_modules():
        for cfg in _pretrained_entries(getattr(module, 'init_cfg', None)):
            if not osp.isfile(osp.expanduser(str(cfg['checkpoint']))):
                # A missing file is reported, with its config key, by
                # PretrainedCheckHook / the init itself.
                continue
            # Keys and shapes only: the tensors stay on disk (the init
            # reads them once more when it loads the weights).
            checkpoint = load_local_checkpoint(
                cfg['checkpoint'], 'cpu', mmap=True)
            if not isinstance(checkpoint, dict):
                raise ValueError(
                    f"{cfg['checkpoint']} (init_cfg of model.{name}): "
                    f'expected a checkpoint dict, got '
                    f'{type(checkpoint).__name__}')
            meta = checkpoint.get('meta') or {}
            state = checkpoint.get('state_dict', checkpoint)
            prefix = cfg.get('prefix') or ''
            if prefix and not prefix.endswith('.'):
                prefix += '.'
            place = f'{name}.' if name else ''
            heads = {}
            for key, value in state.items():
                key = re.sub(r'^module\.', '', key)
                if not key.startswith(prefix) or not torch.is_tensor(value):
                    continue
                target = place + key[len(prefix):]
                if (target.startswith('head.') and target in expected
                        and expected[target].shape == value.shape):
                    heads[target] = value
            if heads:
                classes = (meta.get('dataset_meta') or {}).get('classes')
                found.append(
                    HeadInit(
                        f"{cfg['checkpoint']} (init_cfg of "
                        f"model{'.' + name if name else ''})",
                        None if classes is None else list(classes), heads))
    return found


def permute_loaded_head(model: torch.nn.Module, init: HeadInit,
                        order: Sequence[int]) -> List[str]:
    """Reorder the class rows of the head tensors an init loaded.

    Only tensors that still hold the checkpoint's values (loaded, not
    re-initialised since) and whose first axis is the class axis
    (``len(order)`` rows) are reordered, as
    :func:`~mmmlc.engine.hooks.checkpoint_check_hook.permute_class_tensors`
    does for ``load_from``.

    Args:
        model (torch.nn.Module): The model after ``init_weights``.
        init (HeadInit): From :func:`find_head_inits`.
        order (Sequence[int]): ``saved[order[i]] == wanted[i]``.

    Returns:
        list[str]: The keys reordered.

    Raises:
        RuntimeError: If a head tensor of the init no longer holds the
            checkpoint's values (something re-initialised it).
    """
    current = model.state_dict()
    index = torch.tensor(list(order))
    done = []
    for key, value in init.head_tensors.items():
        tensor = current[key]
        if not torch.equal(tensor.detach().cpu(), value.to(tensor.dtype)):
            raise RuntimeError(
                f'{init.source}: {key} does not hold the checkpoint\'s '
                'values after weight initialisation, so it cannot be '
                'reordered by class name.')
        if value.dim() > 0 and value.shape[0] == len(order):
            with torch.no_grad():
                tensor.copy_(tensor.index_select(0, index.to(tensor.device)))
            done.append(key)
    return done

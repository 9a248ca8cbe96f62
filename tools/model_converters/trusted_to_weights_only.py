"""Rewrite a checkpoint as plain tensors that load with weights_only.

``python tools/model_converters/trusted_to_weights_only.py SRC DST
--allow MODULE.NAME [MODULE.NAME ...]``

mmmlc loads checkpoints with ``torch.load(weights_only=True)`` and refuses
files holding Python objects outside its allow-list, because unpickling
them can run arbitrary code. This tool still loads ``SRC`` with
``weights_only=True``, adding to the allow-list only the globals you name
with ``--allow`` (the ones mmmlc's refusal names; run without ``--allow`` to
list them, found without unpickling). Name only classes you trust. It writes
to ``DST`` ``dict(state_dict=..., meta=...)`` with the tensors of the state
dict and the plain values of ``meta`` (str, int, float, bool, lists and dicts
of them; any other object becomes None). The optimizer and scheduler states
are dropped, so ``DST`` serves testing, ``load_from`` and ``init_cfg``,
not ``--resume``.
"""
import argparse
import importlib
import os.path as osp
from typing import List, Sequence

import torch

import mmmlc  # noqa: F401  (mmmlc's allow-list)

PLAIN = (str, int, float, bool, type(None))


def plain(value: object) -> object:
    """``value`` with every leaf that is not a plain value set to None."""
    if isinstance(value, PLAIN):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if isinstance(k, str)}
    return None


def refused_globals(src: str) -> List[str]:
    """The globals of ``src`` outside the allow-list (nothing unpickled)."""
    allowed = set()
    for obj in torch.serialization.get_safe_globals():
        obj = obj[0] if isinstance(obj, tuple) else obj
        allowed.add(f'{obj.__module__}.{obj.__qualname__}')
    return sorted(
        set(torch.serialization.get_unsafe_globals_in_checkpoint(src)) -
        allowed)


def import_global(name: str) -> object:
    """The object ``module.qualname`` names."""
    module, _, qualname = name.rpartition('.')
    obj = importlib.import_module(module)
    for part in qualname.split('.'):
        obj = getattr(obj, part)
    return obj


def convert(src: str, dst: str, allow: Sequence[str]) -> int:
    """Write ``src``'s tensors and plain meta to ``dst``.

    Raises:
        ValueError: If ``src`` refers to globals that ``allow`` does not
            name (the message lists them), or holds no state dict.

    Returns:
        int: The number of tensors written.
    """
    missing = [g for g in refused_globals(src) if g not in allow]
    if missing:
        raise ValueError(
            f'{src} refers to {", ".join(missing)}, outside mmmlc\'s '
            'allow-list; if you trust them, pass --allow '
            f'{" ".join(missing)}')
    with torch.serialization.safe_globals(
            [import_global(name) for name in allow]):
        ckpt = torch.load(src, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    if not isinstance(state, dict):
        raise ValueError(f'{src}: expected a state dict, got '
                         f'{type(state).__name__}')
    tensors = {k: v for k, v in state.items() if torch.is_tensor(v)}
    if not tensors:
        raise ValueError(f'{src}: its state dict holds no tensors')
    meta = plain(ckpt.get('meta', {})) if isinstance(ckpt, dict) else {}
    meta = dict(meta or {}, converted_from=osp.abspath(src))
    torch.save(dict(state_dict=tensors, meta=meta), dst)
    return len(tensors)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='the checkpoint to convert')
    parser.add_argument('dst', help='the .pth file to write')
    parser.add_argument(
        '--allow', nargs='+', default=[], metavar='MODULE.NAME',
        help='globals of SRC you trust (run without it to list them)')
    args = parser.parse_args(argv)
    try:
        count = convert(args.src, args.dst, args.allow)
    except ValueError as err:
        parser.exit(2, f'{err}\n')
    print(f'{args.dst}: {count} tensors')


if __name__ == '__main__':
    main()

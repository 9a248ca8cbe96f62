"""Rewrite a trusted checkpoint as plain tensors that load with weights_only.

``python tools/model_converters/trusted_to_weights_only.py SRC DST
--i-trust-this-file``

mmmlc loads checkpoints with ``torch.load(weights_only=True)`` and refuses
files holding other Python objects (custom classes, functions), because
unpickling them can run arbitrary code. This tool unpickles ``SRC`` fully,
so run it only on a file whose origin you trust, and writes to ``DST``
``dict(state_dict=..., meta=...)`` with the tensors of the state dict and
the plain values of ``meta`` (str, int, float, bool, lists and dicts of
them; any other object becomes None). The optimizer and scheduler states
are dropped, so ``DST`` serves testing, ``load_from`` and ``init_cfg``,
not ``--resume``.
"""
import argparse
import os.path as osp

import torch

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


def convert(src: str, dst: str) -> int:
    """Write ``src``'s tensors and plain meta to ``dst``.

    Returns:
        int: The number of tensors written.
    """
    ckpt = torch.load(src, map_location='cpu', weights_only=False)
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
    parser.add_argument('src', help='the trusted checkpoint')
    parser.add_argument('dst', help='the .pth file to write')
    parser.add_argument(
        '--i-trust-this-file', action='store_true',
        help='required: SRC is unpickled in full, which can run code')
    args = parser.parse_args(argv)
    if not args.i_trust_this_file:
        parser.error('this unpickles SRC in full, which can run code it '
                     'holds; pass --i-trust-this-file if you trust it')
    print(f'{args.dst}: {convert(args.src, args.dst)} tensors')


if __name__ == '__main__':
    main()

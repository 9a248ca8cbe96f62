"""Convert a torchvision (or timm) ResNet checkpoint to mmpretrain's layout.

torchvision's ``resnet{18,34,50,101,152}`` and timm's plain ``resnet*``
name their parameters exactly as mmpretrain's ``ResNet`` backbone does
(``conv1``, ``bn1``, ``layer{1-4}.{i}.conv{j}`` / ``bn{j}`` /
``downsample.{0,1}``; checked by building both), so the conversion prefixes
every backbone key with ``backbone.``. The classifier ``fc`` is dropped,
or kept as ``head.fc.*`` with ``--keep-fc``. Deep-stem variants (timm
``resnet50d``, mmpretrain ``ResNetV1c/V1d``) have other names and are
refused with the list of keys that do not fit.

Example::

    python tools/model_converters/torchvision_resnet_to_mmpretrain.py \\
        resnet101-63fe2227.pth checkpoints/resnet101_tv_mmpretrain.pth

and in the config::

    backbone=dict(type='ResNet', depth=101, init_cfg=dict(
        type='Pretrained', prefix='backbone.',
        checkpoint='checkpoints/resnet101_tv_mmpretrain.pth'))
"""
import argparse
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, Optional

import torch

from mmmlc.utils.converter_io import load_tensor_state_dict, save_converted

_BN = r'(weight|bias|running_mean|running_var|num_batches_tracked)'
_BACKBONE_KEY = re.compile(
    rf'^(conv1\.weight|bn1\.{_BN}|layer[1-4]\.\d+\.'
    rf'(conv[123]\.weight|bn[123]\.{_BN}|downsample\.0\.weight|'
    rf'downsample\.1\.{_BN}))$')
_FC_KEYS = ('fc.weight', 'fc.bias')
# (bottleneck, blocks per stage) -> depth, as torchvision / mmpretrain.
_DEPTHS = {
    (False, (2, 2, 2, 2)): 18,
    (False, (3, 4, 6, 3)): 34,
    (True, (3, 4, 6, 3)): 50,
    (True, (3, 4, 23, 3)): 101,
    (True, (3, 8, 36, 3)): 152,
}


def infer_depth(state_dict: Dict[str, torch.Tensor]) -> Optional[int]:
    """Depth of a ResNet state dict from its block counts.

    Args:
        state_dict (dict[str, Tensor]): torchvision-layout ResNet weights.

    Returns:
        int, optional: 18/34/50/101/152, or None for another layout.
    """
    blocks = []
    for stage in range(1, 5):
        ids = {
            int(m.group(1))
            for k in state_dict
            for m in [re.match(rf'layer{stage}\.(\d+)\.', k)] if m
        }
        blocks.append(max(ids) + 1 if ids else 0)
    bottleneck = any(re.search(r'\.conv3\.weight$', k) for k in state_dict)
    return _DEPTHS.get((bottleneck, tuple(blocks)))


def convert(state_dict: Dict[str, torch.Tensor], keep_fc: bool,
            source: str) -> Dict[str, torch.Tensor]:
    """Map torchvision ResNet keys to mmpretrain ``ImageClassifier`` keys.

    Args:
        state_dict (dict[str, Tensor]): torchvision-layout ResNet weights.
        keep_fc (bool): Keep ``fc.*`` as ``head.fc.*``; else drop it.
        source (str): File name used in error messages.

    Returns:
        dict[str, Tensor]: ``backbone.<key>`` (and ``head.fc.*``) weights.
    """
    unknown = [
        k for k in state_dict
        if not _BACKBONE_KEY.match(k) and k not in _FC_KEYS
    ]
    if unknown:
        raise ValueError(
            f'{source}: expected a torchvision/timm plain ResNet state dict; '
            f'these keys have no mmpretrain ResNet counterpart: {unknown}')
    missing = [
        k for k in ('conv1.weight', 'bn1.weight', 'layer4.0.conv1.weight')
        if k not in state_dict
    ]
    if missing:
        raise ValueError(f'{source}: not a complete ResNet, missing {missing}')
    converted = OrderedDict()
    for key, value in state_dict.items():
        if key in _FC_KEYS:
            if keep_fc:
                converted[f'head.{key}'] = value
        else:
            converted[f'backbone.{key}'] = value
    return converted


def parse_args(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='Convert a torchvision/timm ResNet checkpoint to '
        'mmpretrain keys (backbone.*, optionally head.fc.*).')
    parser.add_argument('src', help='torchvision/timm checkpoint')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument(
        '--keep-fc',
        action='store_true',
        help='keep the classifier as head.fc.* (dropped by default)')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Convert ``src`` into ``dst`` and say what was done."""
    args = parse_args(argv)
    state_dict = load_tensor_state_dict(args.src)
    converted = convert(state_dict, args.keep_fc, args.src)
    depth = infer_depth(state_dict)
    meta = dict(
        source=osp.basename(args.src),
        converter='tools/model_converters/'
        'torchvision_resnet_to_mmpretrain.py',
        depth=depth,
        keep_fc=args.keep_fc)
    if args.keep_fc and 'fc.weight' in state_dict:
        meta['num_classes'] = int(state_dict['fc.weight'].shape[0])
    save_converted(converted, meta, args.dst)
    print(f'{args.src} -> {args.dst}: {len(converted)} tensors, ResNet '
          f'depth {depth if depth else "unknown"}')
    dropped = [k for k in _FC_KEYS if k in state_dict and not args.keep_fc]
    if dropped:
        print(f'dropped {dropped} (pass --keep-fc to keep them as head.fc.*)')


if __name__ == '__main__':
    main()

"""Convert an official SALGL checkpoint (jasonseu/SALGL) to mmmlc's layout.

The released models (e.g. ``checkpoints/ema_best_model.pth``, the EMA
weights, keys prefixed ``module.``) hold one ``SALGL`` module; mmmlc splits
it into ``LabelAwareClassifier`` = backbone + ``SceneLabelGraphNeck`` +
``SceneAwarePerClassHead`` (see the neck's docstring). Key mapping
(reference -> mmmlc)::

    backbone.<torchvision ResNet key>   -> backbone.<same>   (identical names)
    backbone.<timm ViT key>             -> backbone.<mmpretrain ViT key>
        cls_token, pos_embed                 -> cls_token, pos_embed
        patch_embed.proj.*                   -> patch_embed.projection.*
        blocks.i.norm1 / norm2               -> layers.i.ln1 / ln2
        blocks.i.attn.qkv / attn.proj        -> layers.i.attn.qkv / attn.proj
        blocks.i.mlp.fc1 / mlp.fc2           -> layers.i.ffn.layers.0.0 / .1
        norm                                 -> ln1 (final norm)
    tb.layers.0.*                       -> neck.context_encoder.*
    scene_linear.weight                 -> neck.scene_classifier.weight
    embeddings                          -> neck.label_embedding
    comatrix                            -> neck.comatrix
    attention.linear1 / linear2         -> neck.semantic_attention.feature_proj
                                           / label_proj
    attention.hidden_linear / target_linear
                                        -> neck.semantic_attention.hidden
                                           / score
    ggnn.fc{1,2,3}_{w,u}                -> neck.graph.{update,reset,candidate}
                                           _{in,hidden}
    fc.0.*                              -> neck.fusion.*
    classifier.weight / bias            -> head.weight / bias
    position_embedding.pe               -> dropped (recomputed from the map)

Every other key is an error (listed), and so is a missing part. With
``--config`` (or ``--num-scenes`` / ``--num-classes``) the scene and class
counts of the checkpoint are checked against the target model's, and a
mismatch names both numbers.

Example::

    python tools/model_converters/salgl_official_to_mmmlc.py \\
        exp3/checkpoints/ema_best_model.pth \\
        checkpoints/salgl_resnet101_coco14-448px_official.pth \\
        --config configs/salgl/salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py
    python tools/test.py \\
        configs/salgl/salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py \\
        checkpoints/salgl_resnet101_coco14-448px_official.pth

The released COCO model orders classes as the reference's ``label.txt``
(COCO category-id order), which is mmmlc's COCO order.
"""
import argparse
import os.path as osp
import re
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Tuple

import torch

from mmmlc.utils.converter_io import load_tensor_state_dict, save_converted

# (reference pattern, mmmlc template) outside the backbone; {1}, {2} ... are
# the pattern's groups.
_HEAD_RULES: List[Tuple[str, str]] = [
    (r'tb\.layers\.0\.(self_attn\.(?:in_proj_weight|in_proj_bias|'
     r'out_proj\.weight|out_proj\.bias)|(?:linear1|linear2|norm1|norm2)\.'
     r'(?:weight|bias))', 'neck.context_encoder.{1}'),
    (r'scene_linear\.weight', 'neck.scene_classifier.weight'),
    (r'embeddings', 'neck.label_embedding'),
    (r'comatrix', 'neck.comatrix'),
    (r'attention\.linear1\.weight',
     'neck.semantic_attention.feature_proj.weight'),
    (r'attention\.linear2\.weight',
     'neck.semantic_attention.label_proj.weight'),
    (r'attention\.hidden_linear\.(weight|bias)',
     'neck.semantic_attention.hidden.{1}'),
    (r'attention\.target_linear\.(weight|bias)',
     'neck.semantic_attention.score.{1}'),
    (r'ggnn\.fc1_w\.(weight|bias)', 'neck.graph.update_in.{1}'),
    (r'ggnn\.fc1_u\.(weight|bias)', 'neck.graph.update_hidden.{1}'),
    (r'ggnn\.fc2_w\.(weight|bias)', 'neck.graph.reset_in.{1}'),
    (r'ggnn\.fc2_u\.(weight|bias)', 'neck.graph.reset_hidden.{1}'),
    (r'ggnn\.fc3_w\.(weight|bias)', 'neck.graph.candidate_in.{1}'),
    (r'ggnn\.fc3_u\.(weight|bias)', 'neck.graph.candidate_hidden.{1}'),
    (r'fc\.0\.(weight|bias)', 'neck.fusion.{1}'),
    (r'classifier\.(weight|bias)', 'head.{1}'),
]
# timm ViT (reference backbone, inside ``backbone.``) -> mmpretrain's
# VisionTransformer.
_VIT_RULES: List[Tuple[str, str]] = [
    (r'(cls_token|pos_embed)', '{1}'),
    (r'patch_embed\.proj\.(weight|bias)', 'patch_embed.projection.{1}'),
    (r'blocks\.(\d+)\.norm([12])\.(weight|bias)', 'layers.{1}.ln{2}.{3}'),
    (r'blocks\.(\d+)\.attn\.(qkv|proj)\.(weight|bias)',
     'layers.{1}.attn.{2}.{3}'),
    (r'blocks\.(\d+)\.mlp\.fc1\.(weight|bias)',
     'layers.{1}.ffn.layers.0.0.{2}'),
    (r'blocks\.(\d+)\.mlp\.fc2\.(weight|bias)', 'layers.{1}.ffn.layers.1.{2}'),
    (r'norm\.(weight|bias)', 'ln1.{1}'),
]
# The inverse maps (mmmlc -> reference), written out rather than derived.
_HEAD_INVERSE: List[Tuple[str, str]] = [
    (r'neck\.context_encoder\.(.+)', 'tb.layers.0.{1}'),
    (r'neck\.scene_classifier\.weight', 'scene_linear.weight'),
    (r'neck\.label_embedding', 'embeddings'),
    (r'neck\.comatrix', 'comatrix'),
    (r'neck\.semantic_attention\.feature_proj\.weight',
     'attention.linear1.weight'),
    (r'neck\.semantic_attention\.label_proj\.weight',
     'attention.linear2.weight'),
    (r'neck\.semantic_attention\.hidden\.(weight|bias)',
     'attention.hidden_linear.{1}'),
    (r'neck\.semantic_attention\.score\.(weight|bias)',
     'attention.target_linear.{1}'),
    (r'neck\.graph\.update_in\.(weight|bias)', 'ggnn.fc1_w.{1}'),
    (r'neck\.graph\.update_hidden\.(weight|bias)', 'ggnn.fc1_u.{1}'),
    (r'neck\.graph\.reset_in\.(weight|bias)', 'ggnn.fc2_w.{1}'),
    (r'neck\.graph\.reset_hidden\.(weight|bias)', 'ggnn.fc2_u.{1}'),
    (r'neck\.graph\.candidate_in\.(weight|bias)', 'ggnn.fc3_w.{1}'),
    (r'neck\.graph\.candidate_hidden\.(weight|bias)', 'ggnn.fc3_u.{1}'),
    (r'neck\.fusion\.(weight|bias)', 'fc.0.{1}'),
    (r'head\.(weight|bias)', 'classifier.{1}'),
]
_VIT_INVERSE: List[Tuple[str, str]] = [
    (r'(cls_token|pos_embed)', '{1}'),
    (r'patch_embed\.projection\.(weight|bias)', 'patch_embed.proj.{1}'),
    (r'layers\.(\d+)\.ln([12])\.(weight|bias)', 'blocks.{1}.norm{2}.{3}'),
    (r'layers\.(\d+)\.attn\.(qkv|proj)\.(weight|bias)',
     'blocks.{1}.attn.{2}.{3}'),
    (r'layers\.(\d+)\.ffn\.layers\.0\.0\.(weight|bias)',
     'blocks.{1}.mlp.fc1.{2}'),
    (r'layers\.(\d+)\.ffn\.layers\.1\.(weight|bias)',
     'blocks.{1}.mlp.fc2.{2}'),
    (r'ln1\.(weight|bias)', 'norm.{1}'),
]
_RESNET_BN = r'(weight|bias|running_mean|running_var|num_batches_tracked)'
_RESNET_KEY = re.compile(
    rf'(conv1\.weight|bn1\.{_RESNET_BN}|layer[1-4]\.\d+\.'
    rf'(conv[123]\.weight|bn[123]\.{_RESNET_BN}|downsample\.0\.weight|'
    rf'downsample\.1\.{_RESNET_BN}))')
_DROPPED = ('position_embedding.pe', )
_REQUIRED = ('neck.comatrix', 'neck.scene_classifier.weight',
             'neck.label_embedding', 'neck.fusion.weight', 'head.weight',
             'head.bias')


def _apply_rules(key: str, rules: List[Tuple[str, str]]) -> Optional[str]:
    for pattern, template in rules:
        match = re.fullmatch(pattern, key)
        if match:
            return template.format(match.group(0), *match.groups())
    return None


def _map_key(key: str, head_rules: List[Tuple[str, str]],
             vit_rules: List[Tuple[str, str]]) -> Optional[str]:
    if key.startswith('backbone.'):
        inner = key[len('backbone.'):]
        if _RESNET_KEY.fullmatch(inner):
            return key
        vit = _apply_rules(inner, vit_rules)
        return None if vit is None else 'backbone.' + vit
    return _apply_rules(key, head_rules)


def official_to_mmmlc_key(key: str) -> Optional[str]:
    """The mmmlc name of one reference key.

    Args:
        key (str): A key of the reference ``SALGL`` module (no ``module.``).

    Returns:
        str, optional: The mmmlc key; ``''`` for a key that is dropped;
        None for a key with no counterpart.
    """
    if key in _DROPPED:
        return ''
    return _map_key(key, _HEAD_RULES, _VIT_RULES)


def mmmlc_to_official_key(key: str) -> Optional[str]:
    """The reference name of one mmmlc key (inverse of the mapping).

    Args:
        key (str): A key of mmmlc's SALGL classifier.

    Returns:
        str, optional: The reference key, or None for a key the reference
        does not have.
    """
    return _map_key(key, _HEAD_INVERSE, _VIT_INVERSE)


def _rename_keys(state_dict: Dict[str, torch.Tensor],
                 rename: Callable[[str], Optional[str]]
                 ) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Rename every key; ``None`` marks a key as unknown, ``''`` drops it.

    Returns:
        tuple: The renamed state dict (tensors shared) and the unknown keys.
    """
    out, unknown = OrderedDict(), []
    for key, value in state_dict.items():
        new_key = rename(key)
        if new_key is None:
            unknown.append(key)
        elif new_key:
            out[new_key] = value
    return out, unknown


def convert(state_dict: Dict[str, torch.Tensor],
            source: str) -> 'OrderedDict[str, torch.Tensor]':
    """Map a reference ``SALGL`` state dict to mmmlc keys.

    Args:
        state_dict (dict[str, Tensor]): Reference keys (no ``module.``).
        source (str): File name for error messages.

    Returns:
        OrderedDict[str, Tensor]: mmmlc keys, tensors unchanged (shared).

    Raises:
        ValueError: On keys with no counterpart or missing parts (listed).
    """
    converted, unknown = _rename_keys(state_dict, official_to_mmmlc_key)
    if unknown:
        raise ValueError(
            f'{source}: {len(unknown)} keys are not part of an official '
            f'SALGL model (backbone ResNet or timm ViT, tb, scene_linear, '
            f'embeddings, comatrix, attention, ggnn, fc, classifier): '
            f'{unknown[:20]}')
    missing = [k for k in _REQUIRED if k not in converted]
    if not any(k.startswith('backbone.') for k in converted):
        missing.append('backbone.*')
    if missing:
        raise ValueError(f'{source}: not a complete official SALGL model, '
                         f'missing (mmmlc names) {missing}')
    return converted


def convert_back(state_dict: Dict[str, torch.Tensor],
                 source: str = 'state dict'
                 ) -> 'OrderedDict[str, torch.Tensor]':
    """mmmlc keys -> reference keys (for tests and for exporting).

    Args:
        state_dict (dict[str, Tensor]): mmmlc SALGL classifier weights.
        source (str): Name for error messages.

    Returns:
        OrderedDict[str, Tensor]: Reference keys.
    """
    out, unknown = _rename_keys(state_dict, mmmlc_to_official_key)
    if unknown:
        raise ValueError(f'{source}: no reference name for {unknown[:20]}')
    return out


def model_sizes(state_dict: Dict[str, torch.Tensor]) -> Dict[str, int]:
    """Scenes K and classes C of a converted state dict.

    Args:
        state_dict (dict[str, Tensor]): mmmlc keys.

    Returns:
        dict[str, int]: ``num_scenes``, ``num_classes``, ``in_channels``,
        ``embedding_dim``.
    """
    scenes, classes, _ = state_dict['neck.comatrix'].shape
    return dict(
        num_scenes=int(scenes),
        num_classes=int(classes),
        in_channels=int(state_dict['neck.scene_classifier.weight'].shape[1]),
        embedding_dim=int(state_dict['neck.label_embedding'].shape[1]))


def check_sizes(state_dict: Dict[str, torch.Tensor], source: str,
                num_scenes: Optional[int] = None,
                num_classes: Optional[int] = None) -> None:
    """Raise if the checkpoint's K or C differs from the target model's.

    Args:
        state_dict (dict[str, Tensor]): mmmlc keys.
        source (str): File name for error messages.
        num_scenes (int, optional): K of the target model.
        num_classes (int, optional): C of the target model.
    """
    sizes = model_sizes(state_dict)
    problems = []
    if num_scenes is not None and sizes['num_scenes'] != num_scenes:
        problems.append(f'num_scenes={sizes["num_scenes"]} in the checkpoint '
                        f'but {num_scenes} in the target model')
    if num_classes is not None and sizes['num_classes'] != num_classes:
        problems.append(f'num_classes={sizes["num_classes"]} in the '
                        f'checkpoint but {num_classes} in the target model')
    if problems:
        raise ValueError(f'{source}: ' + '; '.join(problems))


def parse_args(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='Convert an official SALGL checkpoint to mmmlc keys.')
    parser.add_argument('src', help='official checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint for tools/test.py')
    parser.add_argument(
        '--config',
        help='mmmlc config to check the scene and class counts against')
    parser.add_argument('--num-scenes', type=int, help='expected K')
    parser.add_argument('--num-classes', type=int, help='expected C')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Convert ``src`` into ``dst`` and say what was done."""
    args = parse_args(argv)
    # The released models hold the EMA weights under 'module.'.
    state_dict = load_tensor_state_dict(
        args.src, ('state_dict_ema', 'state_dict', 'model'))
    converted = convert(state_dict, args.src)
    num_scenes, num_classes = args.num_scenes, args.num_classes
    if args.config:
        from mmengine.config import Config
        neck = Config.fromfile(args.config).model.neck
        num_scenes = neck.get('num_scenes', num_scenes)
        num_classes = neck.get('num_classes', num_classes)
    check_sizes(converted, args.src, num_scenes, num_classes)
    sizes = model_sizes(converted)
    save_converted(
        converted,
        dict(
            source=osp.basename(args.src),
            converter='tools/model_converters/salgl_official_to_mmmlc.py',
            **sizes), args.dst)
    print(f'{args.src} -> {args.dst}: {len(converted)} tensors, '
          f'K={sizes["num_scenes"]} scenes, C={sizes["num_classes"]} '
          f'classes, D={sizes["in_channels"]}')


if __name__ == '__main__':
    main()

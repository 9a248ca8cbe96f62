"""Config reading and model / dataloader building for the analysis tools."""
import argparse
import os.path as osp
from typing import Optional, Sequence, Tuple

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope


def add_cfg_options_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options key=value ...`` (merged by :func:`load_config`).

    Args:
        parser (argparse.ArgumentParser): The tool's parser, changed in
            place.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. '
        'test_dataloader.num_workers=0')


def add_config_arguments(parser: argparse.ArgumentParser,
                         config_help: str,
                         with_checkpoint: bool = False,
                         splits: Sequence[str] = ('val', 'test')) -> None:
    """Add ``config`` [``checkpoint``], ``--split`` and ``--cfg-options``.

    The arguments of a tool that reads one split of a config's data
    (:func:`load_config`), with a trained model when ``with_checkpoint``
    (:func:`build_model_and_loader`).

    Args:
        parser (argparse.ArgumentParser): The tool's parser, changed in
            place.
        config_help (str): What the config must be.
        with_checkpoint (bool): Add the ``checkpoint`` argument.
        splits (Sequence[str]): The splits ``--split`` may name; the
            default is ``'test'``.
    """
    parser.add_argument('config', help=config_help)
    if with_checkpoint:
        parser.add_argument('checkpoint', help='trained checkpoint')
    parser.add_argument(
        '--split',
        choices=list(splits),
        default='test',
        help='which dataloader of the config to read')
    add_cfg_options_argument(parser)


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config, merge overrides and make its scope the default.

    Args:
        path (str): Config file.
        cfg_options (dict, optional): ``--cfg-options`` overrides.

    Returns:
        Config: The config; its ``default_scope`` (``'mmmlc'`` when unset)
        is the registries' default scope from now on.
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmmlc'))
    return cfg


def build_model_and_loader(cfg: Config, checkpoint: str,
                           split: str) -> Tuple[torch.nn.Module, object]:
    """Build a trained model (eval mode) and an unshuffled split loader.

    The model is ``cfg.model`` without its backbone's ``init_cfg``, with
    the checkpoint's ``state_dict`` loaded strictly (the EMA weights when
    training used the EMA hook). Not mmpretrain's ``get_model``: it builds
    in mmpretrain's scope, where mmmlc's models are not registered.

    Args:
        cfg (Config): The config, from :func:`load_config`.
        checkpoint (str): Checkpoint path.
        split (str): ``'train'``, ``'val'`` or ``'test'``; the train split
            is read with the test pipeline.

    Returns:
        tuple: ``(model, dataloader)``.
    """
    from mmengine.runner import Runner, load_checkpoint

    from mmmlc.registry import MODELS
    from .checkpoint_embedding import embedding_from_checkpoint
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
    model_cfg = cfg.model.copy()
    model_cfg.backbone = dict(model_cfg.backbone, init_cfg=None)
    embedding_from_checkpoint(model_cfg, checkpoint)
    model = MODELS.build(model_cfg)
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    model.eval()
    loader_cfg = cfg[f'{split}_dataloader'].copy()
    if split == 'train':
        loader_cfg = cfg.test_dataloader.copy()
        loader_cfg.dataset = dict(
            cfg.train_dataloader.dataset,
            pipeline=cfg.test_dataloader.dataset.pipeline,
            test_mode=True)
    loader_cfg.sampler = dict(type='DefaultSampler', shuffle=False)
    loader_cfg.persistent_workers = False
    return model, Runner.build_dataloader(loader_cfg)

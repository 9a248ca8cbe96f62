"""Build a trained model from a config and a checkpoint, with its classes."""
import os.path as osp
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.model import BaseModel
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_to_model)

from mmmlc.engine.hooks.checkpoint_weights_hook import \
    select_checkpoint_weights
from mmmlc.registry import MODELS
from mmmlc.utils.checkpoint_embedding import embedding_from_checkpoint


def checkpoint_classes(checkpoint: dict, source: str,
                       classes: Optional[Sequence[str]] = None) -> list:
    """The class names of a checkpoint, or ``classes`` when given.

    mmengine's Runner saves the training set's metainfo as
    ``checkpoint['meta']['dataset_meta']``; its ``classes`` name the
    model's outputs in order.

    Args:
        checkpoint (dict): The loaded checkpoint.
        source (str): Its path, for messages.
        classes (Sequence[str], optional): Names given by the user; they
            win over the checkpoint's.

    Returns:
        list[str]: Class names.
    """
    if classes is not None:
        return [str(c) for c in classes]
    meta = checkpoint.get('meta') or {}
    names = (meta.get('dataset_meta') or {}).get('classes')
    if not names:
        raise ValueError(
            f'{source} has no class names (no meta.dataset_meta.classes; '
            'checkpoints written by tools/train.py have them, converted ones '
            'may not). Pass them in output order: classes=[...] in Python, '
            '--classes a,b,c or --classes-file FILE (one name a line) to '
            'the tools.')
    return [str(c) for c in names]


def init_multilabel_model(config: Union[str, Config],
                          checkpoint: str,
                          device: Union[str, torch.device] = 'cpu',
                          weights: Optional[str] = None,
                          classes: Optional[Sequence[str]] = None,
                          cfg_options: Optional[dict] = None) -> BaseModel:
    """A model of ``config`` with the weights of ``checkpoint``, in eval mode.

    As mmpretrain's ``init_model``, but built in mmmlc's scope, loaded
    strictly (a checkpoint of another model fails, naming the keys), with a
    choice of raw or EMA weights, and with class names from the checkpoint.
    The model carries ``_config``, ``_dataset_meta`` (``classes``) and
    ``weights`` (``'ema'`` or ``'raw'``, what was loaded).

    Args:
        config (str | Config): Config file or object.
        checkpoint (str): ``.pth`` file.
        device (str | torch.device): Where to put the model.
        weights (str, optional): ``'ema'``, ``'raw'`` or None for what the
            checkpoint's ``state_dict`` holds (EMA when trained with an
            ``EMAHook``).
        classes (Sequence[str], optional): Class names, when the checkpoint
            has none (or to rename them).
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        BaseModel: The model.
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else \
        config.copy()
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint} not found')
    init_default_scope(cfg.get('default_scope', 'mmmlc'))
    embedding_from_checkpoint(cfg.model, checkpoint)
    model = MODELS.build(cfg.model)
    ckpt = _load_checkpoint(checkpoint, map_location='cpu')
    if not isinstance(ckpt, dict) or 'state_dict' not in ckpt:
        raise ValueError(f'{checkpoint} is not an mmengine checkpoint (no '
                         '`state_dict`)')
    held = select_checkpoint_weights(ckpt, weights, checkpoint)
    names = checkpoint_classes(ckpt, checkpoint, classes)
    try:
        _load_checkpoint_to_model(model, ckpt, strict=True)
    except RuntimeError as err:
        raise RuntimeError(f'{checkpoint} does not fit the model of the '
                           f'config: {err}') from None
    head_classes = (cfg.model.get('head') or {}).get('num_classes')
    if head_classes is not None and head_classes != len(names):
        raise ValueError(
            f'{checkpoint}: {len(names)} class names for a head of '
            f'{head_classes} classes')
    model._config = cfg
    model._dataset_meta = dict(classes=names)
    model.weights = held
    return model.to(device).eval()


@torch.no_grad()
def predict_dataset(model: BaseModel, dataloader, progress: bool = True):
    """Scores and targets of every sample of ``dataloader``.

    Targets follow :class:`~mmmlc.evaluation.MLCMetric` (1 positive, 0
    negative, -1 ignored difficult), built by its own ``process``.

    Args:
        model (BaseModel): A model in eval mode.
        dataloader: A dataloader of labelled samples.
        progress (bool): Show a progress bar.

    Returns:
        tuple: ``scores`` (N, C) float32, ``targets`` (N, C) int8 and
        ``img_paths`` (N,) list.
    """
    from mmengine.utils import ProgressBar

    from mmmlc.evaluation import MLCMetric
    collector, paths = MLCMetric(), []
    bar = ProgressBar(len(dataloader.dataset)) if progress else None
    for data in dataloader:
        samples = [s.to_dict() for s in model.test_step(data)]
        collector.process(data, samples)
        paths.extend(s.get('img_path', '') for s in samples)
        for _ in samples if bar else ():
            bar.update()
    if not collector.results:
        raise ValueError('the dataloader yielded no samples')
    scores = np.stack([r['pred_score'] for r in collector.results])
    targets = np.stack([r['target'] for r in collector.results])
    return scores, targets, paths

"""A SALGL model trained for a few steps on a tiny DigitScenes build."""
import os
import os.path as osp
from typing import List, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmmlc.registry import MODELS


def train_tiny_salgl(config: str, root: str,
                     steps: int = 3) -> Tuple[str, List[str], torch.Tensor]:
    """Train a DigitScenes SALGL config for a few steps and save it.

    The data is a build of 8 train, 4 val and 8 test images under
    ``root/digit_scenes``; the checkpoint is written as the Runner writes
    one (``state_dict`` plus ``meta.dataset_meta.classes``), so the tools
    that read checkpoints can be run on it in seconds. A checkpoint
    already in ``root`` is reused, so test modules that share a root train
    once.

    Args:
        config (str): A SALGL DigitScenes config.
        root (str): Folder for the data and the checkpoint.
        steps (int): Training steps (AdamW, lr 1e-3, batch 4, seed 0).

    Returns:
        tuple: ``(checkpoint path, the --cfg-options that point the config
        at the tiny build (``key=value`` strings), the neck's comatrix)``.
    """
    overrides = {}
    for split in ('train', 'val', 'test'):
        overrides[f'{split}_dataloader.num_workers'] = 0
        overrides[f'{split}_dataloader.persistent_workers'] = False
        overrides[f'{split}_dataloader.batch_size'] = 4
        overrides[f'{split}_dataloader.dataset.data_root'] = osp.join(
            root, 'digit_scenes')
        for key, size in (('num_train', 8), ('num_val', 4), ('num_test', 8)):
            overrides[f'{split}_dataloader.dataset.{key}'] = size
    args = [f'{k}={v}' for k, v in overrides.items()]
    path = osp.join(root, 'salgl_digits.pth')
    if osp.isfile(path):
        state = torch.load(path, map_location='cpu', weights_only=True)
        return path, args, state['state_dict']['neck.comatrix']
    os.makedirs(root, exist_ok=True)
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(overrides)
    init_default_scope('mmmlc')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    loader = Runner.build_dataloader(cfg.train_dataloader)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    for _, batch in zip(range(steps), loader):
        losses = model(**model.data_preprocessor(batch, True), mode='loss')
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    torch.save(
        dict(state_dict=model.state_dict(),
             meta=dict(dataset_meta=dict(
                 classes=loader.dataset.metainfo['classes']))), path)
    return path, args, model.neck.comatrix.clone()

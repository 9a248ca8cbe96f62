"""A synthetic training batch made by a config's own train pipeline."""
from typing import Any, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import FUNCTIONS
from mmengine.structures import BaseDataElement

from mmmlc.registry import TRANSFORMS


def _type_name(t_type: Any) -> str:
    return t_type if isinstance(t_type, str) else t_type.__name__


def _cfg_name(cfg: Config) -> str:
    return cfg.filename or '<config built in memory>'


def find_train_pipeline(cfg: Config) -> list:
    """``train_dataloader.dataset.pipeline``, through dataset wrappers.

    Args:
        cfg (Config): The full config.

    Returns:
        list[dict]: The transform configs.
    """
    dataset = (cfg.get('train_dataloader') or {}).get('dataset')
    while isinstance(dataset, dict) and 'pipeline' not in dataset:
        # RepeatDataset / ClassBalancedDataset wrap one dataset,
        # ConcatDataset several; the first one decides the batch structure.
        inner = dataset.get('dataset', dataset.get('datasets'))
        dataset = inner[0] if isinstance(inner, (list, tuple)) else inner
    if not isinstance(dataset, dict) or not dataset.get('pipeline'):
        raise ValueError(
            f'config {_cfg_name(cfg)}: expected a training pipeline at '
            f'`train_dataloader.dataset.pipeline`, found none')
    return list(dataset['pipeline'])


def _synthetic_sample(img: np.ndarray, num_classes: int,
                      rng: np.random.Generator, index: int) -> dict:
    """One sample in mmmlc's data format, as if loaded from disk.

    About 3 positive classes (2-4, COCO averages 2.9) and one box per
    positive plus up to two more, so box-aware crops have objects.
    """
    h, w = img.shape[:2]
    num_pos = min(num_classes, int(rng.integers(2, 5)))
    labels = np.sort(rng.choice(num_classes, num_pos, replace=False))
    box_labels = np.concatenate(
        [labels, rng.choice(labels, int(rng.integers(0, 3)))])

    def boxes(n: int) -> np.ndarray:
        xy = rng.uniform(0, 0.6, (n, 2)) * (w, h)
        wh = rng.uniform(0.1, 0.4, (n, 2)) * (w, h)
        return np.concatenate([xy, xy + wh], 1).astype(np.float32)

    return dict(
        img=img.copy(), img_shape=(h, w), ori_shape=(h, w),
        img_path='synthetic', sample_idx=index,
        gt_label=[int(c) for c in labels], gt_bboxes=boxes(len(box_labels)),
        gt_bboxes_labels=box_labels.astype(np.int64), proposals=boxes(8))


def build_synthetic_batch(cfg: Config, batch_size: int, num_classes: int,
                          input_shape: Sequence[int], seed: int) -> Any:
    """Run the config's train pipeline on synthetic samples and collate.

    The samples share one random uint8 image; each has its own labels and
    boxes and goes through the pipeline (``Load*`` skipped) itself, so that
    box-aware crops keep labels and boxes consistent.

    Args:
        cfg (Config): The full config (default scope already set).
        batch_size (int): Samples in the batch.
        num_classes (int): Classes the labels are drawn from.
        input_shape (Sequence[int]): ``(H, W)`` of the synthetic image.
        seed (int): Seed of the image, labels and random transforms.

    Returns:
        The collated batch (``dict(inputs=..., data_samples=...)``), on CPU.
    """
    transforms = [
        TRANSFORMS.build(t) for t in find_train_pipeline(cfg)
        if not _type_name(t['type']).startswith('Load')
    ]
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (*input_shape, 3), dtype=np.uint8)
    samples = []
    for i in range(batch_size):
        results = _synthetic_sample(img, num_classes, rng, i)
        for transform in transforms:
            results = transform(results)
            if results is None:
                raise ValueError(f'config {_cfg_name(cfg)}: {transform!r} '
                                 f'dropped the synthetic sample')
        samples.append(results)
    # Same default and lookup as mmengine's Runner.build_dataloader.
    collate_cfg = dict(
        cfg.train_dataloader.get('collate_fn', dict(type='pseudo_collate')))
    collate_fn = collate_cfg.pop('type')
    if isinstance(collate_fn, str):
        collate_fn = FUNCTIONS.get(collate_fn)
    return collate_fn(samples, **collate_cfg)


def _to_device(data: Any, device: torch.device, channels_last: bool) -> Any:
    """Move tensors and data elements of a batch to ``device``, once."""
    if isinstance(data, torch.Tensor):
        data = data.to(device)
        if channels_last and data.dim() == 4:
            data = data.contiguous(memory_format=torch.channels_last)
        return data
    if isinstance(data, BaseDataElement):
        return data.to(device)
    if isinstance(data, dict):
        return {k: _to_device(v, device, channels_last)
                for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_to_device(v, device, channels_last) for v in data)
    return data

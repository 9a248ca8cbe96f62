"""Samples/s of a config's train pipeline, side by side with a reference.

The library part of ``tools/analysis_tools/benchmark_pipeline.py``
(docs/benchmarks.md, Data pipeline throughput). A round runs every
contender over the same samples, one after the other, so the machine's
load drifts alike for all; the result is the median samples/s over rounds
with the min-max spread, and the median of the per-round ratios.
"""
import copy
import glob
import os.path as osp
import random
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence

import cv2
import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.registry import init_default_scope
from PIL import Image

from mmmlc.registry import DATASETS
from .reference_pipelines import ReferencePipeline

JPEG_PATTERNS = ('*.jpg', '*.jpeg', '*.JPG', '*.JPEG')


def image_folder_infos(folder: str, num_classes: int = 80,
                       seed: int = 0) -> List[Dict]:
    """``data_info`` dicts of the JPEGs of a folder with synthetic boxes.

    Every image gets 1-3 boxes (sides 10-60 % of the image's) with class
    labels, drawn from ``seed`` and the file's position, in the layout the
    datasets give (``gt_bboxes`` float32 ``(N, 4)`` pixels).

    Args:
        folder (str): A folder of JPEG files.
        num_classes (int): Label range. Defaults to 80.
        seed (int): Seed of the boxes. Defaults to 0.

    Returns:
        list[dict]: One ``data_info`` per file, sorted by name.

    Raises:
        FileNotFoundError: If the folder has no JPEG file.
    """
    paths = sorted({p for pattern in JPEG_PATTERNS
                    for p in glob.glob(osp.join(folder, pattern))})
    if not paths:
        raise FileNotFoundError(
            f'{folder}: no JPEG files (*.jpg, *.jpeg) for --images.')
    rng = np.random.default_rng(seed)
    infos = []
    for index, path in enumerate(paths):
        with Image.open(path) as img:
            width, height = img.size
        num = int(rng.integers(1, 4))
        sides = rng.uniform(0.1, 0.6, size=(num, 2)) * (width, height)
        corners = rng.uniform(0, 1, size=(num, 2)) * (
            (width, height) - sides)
        boxes = np.concatenate([corners, corners + sides], axis=1)
        labels = rng.integers(0, num_classes, size=num)
        infos.append(dict(
            img_path=path, sample_idx=index,
            gt_label=sorted(set(labels.tolist())),
            gt_bboxes=boxes.astype(np.float32),
            gt_bboxes_labels=labels.astype(np.int64)))
    return infos


def config_infos(cfg: Config, limit: int) -> List[Dict]:
    """The first ``limit`` ``data_info`` dicts of the config's train set."""
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    dataset_cfg['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    return [dataset.get_data_info(i) for i in range(min(limit,
                                                        len(dataset)))]


def plain_pipeline_cfg(pipeline: Sequence) -> List:
    """A copy of a pipeline config with every ``fast`` switch turned off."""

    def switch(node):
        if isinstance(node, dict):
            node = {key: switch(value) for key, value in node.items()}
            if str(node.get('type', '')).split('.')[-1].startswith(
                    ('Fast', 'LoadImageFast')):
                node['fast'] = False
            return node
        if isinstance(node, (list, tuple)):
            return [switch(value) for value in node]
        return node

    return switch(copy.deepcopy(list(pipeline)))


def _types(node) -> List[str]:
    if isinstance(node, dict):
        found = [str(node.get('type', ''))]
        for value in node.values():
            found += _types(value)
        return found
    if isinstance(node, (list, tuple)):
        return [t for value in node for t in _types(value)]
    return []


def _num_views(pipeline: Sequence) -> int:
    for step in pipeline:
        if isinstance(step, dict) and step.get('type') == 'MultiView':
            views = step['num_views']
            return sum(views) if isinstance(views, (list, tuple)) else views
    return 1


def reference_method(pipeline: Sequence) -> str:
    """Which reference pipeline matches a train pipeline config.

    Returns:
        str: ``'objcrop'`` (object crops), ``'swav'`` (8 views),
        ``'scene'`` (2 views), ``'salgl'`` (RandAugment), ``'oass'`` (one
        view: random long-side resize, then a padded random crop).

    Raises:
        ValueError: If none matches.
    """
    types, views = _types(pipeline), _num_views(pipeline)
    if 'ObjectCrop' in types and views == 2:
        return 'objcrop'
    if views == 8:
        return 'swav'
    if views == 2:
        return 'scene'
    if views == 1 and 'RandAugment' in types:
        return 'salgl'
    if views == 1 and 'RandomCrop' in types and 'RandomResize' in types:
        return 'oass'
    raise ValueError('No reference-style pipeline for this train pipeline '
                     f'(types {sorted(set(types) - {""})}, {views} views).')


def _step(pipeline: Sequence, type_name: str) -> dict:
    for step in pipeline:
        if isinstance(step, dict) and step.get('type') == type_name:
            return step
    return {}


def oass_reference_args(pipeline: Sequence) -> dict:
    """:class:`PuzzleCAMView` arguments equal to an OASS train pipeline's.

    Reads the long-side range (``scale`` x ``ratio_range`` of
    ``RandomResize``, a square ``scale`` with ``keep_ratio``), the crop
    size (``RandomCrop``) and whether a horizontal flip is drawn
    (``RandomFlip``), as the configs under ``configs/_base_/datasets/
    *oass*.py`` write them (docs/reference/oass.md, Data).
    """
    resize = _step(pipeline, 'RandomResize')
    scale = resize.get('scale', (640, 640))
    if isinstance(scale, int):
        scale = (scale, scale)
    if scale[0] != scale[1] or not resize.get('keep_ratio', True):
        raise ValueError('The OASS reference needs RandomResize with a '
                         f'square scale and keep_ratio=True, got {resize}.')
    low, high = resize.get('ratio_range', (1.0, 1.0))
    crop = _step(pipeline, 'RandomCrop').get('crop_size', 512)
    flip = _step(pipeline, 'RandomFlip')
    return dict(
        long_side=(int(scale[0] * low + 0.5), int(scale[0] * high + 0.5)),
        crop_size=crop if isinstance(crop, int) else crop[0],
        flip=bool(flip) and flip.get('prob', 0) > 0 and flip.get(
            'direction', 'horizontal') == 'horizontal')


def build_pipeline(pipeline: Sequence) -> Compose:
    """Build a pipeline config in the mmmlc scope."""
    init_default_scope('mmmlc')
    return Compose(copy.deepcopy(list(pipeline)))


class PipelineDataset(torch.utils.data.Dataset):
    """``data_info`` dicts through a pipeline (a copy per visit)."""

    def __init__(self, infos: List[Dict], pipeline: Callable):
        self.infos, self.pipeline = infos, pipeline

    def __len__(self) -> int:
        return len(self.infos)

    def __getitem__(self, index: int):
        return self.pipeline(copy.deepcopy(self.infos[index]))


def _one_thread(_: int = 0) -> None:
    # One thread per process for every contender: the loader's workers are
    # the parallelism, and one-process numbers compare per-core cost.
    cv2.setNumThreads(1)
    torch.set_num_threads(1)


@dataclass
class Contender:
    """One pipeline under test and its per-round samples/s."""
    name: str
    dataset: PipelineDataset
    rates: List[float] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.rates)

    def spread(self) -> str:
        return f'{min(self.rates):.1f}-{max(self.rates):.1f}'


def _run_once(contender: Contender, indices: List[int]) -> float:
    """Samples/s of one pass over ``indices`` in this process."""
    start = time.perf_counter()
    for index in indices:
        sample = contender.dataset[index]
        if sample is None:
            raise RuntimeError(f'{contender.name}: the pipeline dropped '
                               f'sample {index}.')
    return len(indices) / (time.perf_counter() - start)


def _run_loader(contender: Contender, num_workers: int, num_batches: int,
                batch_size: int) -> float:
    """Samples/s of ``num_batches`` batches from fresh loader workers.

    The first batch (worker start) is not timed; the workers stop before
    the next contender runs, so none works ahead in the background.
    """
    sampler = torch.utils.data.RandomSampler(
        contender.dataset, replacement=True,
        num_samples=(num_batches + 1) * batch_size)
    loader = torch.utils.data.DataLoader(
        contender.dataset, batch_size=batch_size, sampler=sampler,
        num_workers=num_workers, worker_init_fn=_one_thread,
        collate_fn=default_collate)
    iterator = iter(loader)
    next(iterator)
    start = time.perf_counter()
    for _ in range(num_batches):
        next(iterator)
    rate = num_batches * batch_size / (time.perf_counter() - start)
    del iterator
    return rate


def benchmark(contenders: List[Contender], rounds: int, samples: int,
              num_workers: int = 0, batch_size: int = 32,
              seed: int = 0) -> List[Contender]:
    """Time every contender ``rounds`` times, interleaved.

    Args:
        contenders (list[Contender]): Pipelines over the same infos.
        rounds (int): Timed rounds (one untimed warm-up round first).
        samples (int): Samples per round (rounded up to whole batches with
            a loader).
        num_workers (int): 0: the pipeline in this process (no loader);
            else a DataLoader with that many workers, started afresh for
            every contender and round (its first batch untimed).
        batch_size (int): Loader batch size. Defaults to 32.
        seed (int): Seed of Python, numpy and torch. Defaults to 0.

    Returns:
        list[Contender]: The contenders with ``rates`` filled.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    _one_thread()
    size = len(contenders[0].dataset)
    if num_workers > 0:
        num_batches = max(1, -(-samples // batch_size))
        for _ in range(rounds):
            for contender in contenders:
                contender.rates.append(_run_loader(
                    contender, num_workers, num_batches, batch_size))
        return contenders
    for round_index in range(rounds + 1):
        indices = [(round_index * samples + i) % size
                   for i in range(samples)]
        for contender in contenders:
            rate = _run_once(contender, indices)
            if round_index > 0:
                contender.rates.append(rate)
    return contenders


def ratio_median(ours: Contender, reference: Contender) -> float:
    """Median over rounds of ours / reference samples/s."""
    return statistics.median(
        a / b for a, b in zip(ours.rates, reference.rates))


def make_contenders(pipeline_cfg: Sequence, infos: List[Dict],
                    compare: Sequence[str] = ()) -> List[Contender]:
    """Ours (fast), and on request ours with ``fast=False`` and the reference.

    Args:
        pipeline_cfg (Sequence): The config's train pipeline.
        infos (list[dict]): Samples.
        compare (Sequence[str]): Any of ``'plain'`` and ``'reference'``.

    Returns:
        list[Contender]: ``ours`` first.
    """
    contenders = [Contender('ours', PipelineDataset(
        infos, build_pipeline(pipeline_cfg)))]
    if 'plain' in compare:
        contenders.append(Contender('ours-plain', PipelineDataset(
            infos, build_pipeline(plain_pipeline_cfg(pipeline_cfg)))))
    if 'reference' in compare:
        method = reference_method(pipeline_cfg)
        oass = (oass_reference_args(pipeline_cfg) if method == 'oass' else
                None)
        contenders.append(Contender(f'reference-{method}', PipelineDataset(
            infos, ReferencePipeline(method, oass=oass))))
    return contenders

"""Images with their class-specific instances (OASS stage 5).

docs/reference/oass.md ("Class-specific instances and MIL training"): a
class-specific instance (CSI) is a crop of the image inside a CAM box of
one of its classes, with that class and the box's score. The boxes come
from the proposals file written by ``tools/oass/make_csi.py`` (format in
:mod:`mmmlc.datasets.transforms.proposal_file`, with per-box ``labels``).
"""
import copy
from typing import List, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.registry import FUNCTIONS

from mmmlc.registry import DATASETS
from .transforms.proposals import LoadProposals, proposal_key

INSTANCE_MODES = ('crop', )


def weighted_sample(scores: np.ndarray, k: int,
                    rng=np.random) -> np.ndarray:
    """Draw ``min(k, n)`` indices without replacement, weighted by score.

    Sequential weighted sampling without replacement, drawn at once with
    the keys ``log(u_i) / s_i`` (Efraimidis and Spirakis, 2006): the ``k``
    largest keys. A score of 0 is drawn only after every positive one.

    Args:
        scores (np.ndarray): ``(n,)`` non-negative weights.
        k (int): How many to draw.
        rng: A numpy random source (``np.random`` or a ``Generator``;
            the global one is seeded per dataloader worker by mmengine).

    Returns:
        np.ndarray: int64 indices, in draw order.
    """
    scores = np.asarray(scores, np.float64)
    with np.errstate(divide='ignore'):
        keys = np.log(rng.random(len(scores))) / scores
    keys[scores <= 0] = -np.inf
    order = np.argsort(-keys, kind='stable')
    return order[:min(k, len(scores))].astype(np.int64)


@DATASETS.register_module()
class CSIDataset:
    """Wrap a multi-label dataset: each image comes with up to
    ``max_instances`` of its class-specific instances.

    Sample ``i`` is image ``i`` of the wrapped dataset (its own pipeline
    loads the image, e.g. ``[LoadImageFromFile]``). The image's boxes,
    labels and scores are read from ``proposal_file`` (through
    :class:`LoadProposals`, which checks and clips them); up to
    ``max_instances`` are drawn without replacement, weighted by score
    (:func:`weighted_sample`, numpy's global RNG, seeded per worker). Each
    drawn box is cut out of the loaded image (``instance_mode='crop'``)
    and goes through ``instance_pipeline``; the image goes through
    ``pipeline``. Both pipelines end with ``PackInputs``.

    The background-suppressed instance (pixels times ``max(A_c, 0.3)``) of
    docs/reference/oass.md needs the CAM itself, which the proposals file
    does not hold; only ``'crop'`` is available.

    Output: the image pipeline's dict plus ``instances`` (uint8 ``(n, 3,
    h, w)``, or None when ``n = 0``), ``instance_labels`` (int64 ``(n,)``)
    and ``instance_scores`` (float32 ``(n,)``). Batch it with
    ``collate_fn=dict(type='csi_collate')``.

    Args:
        dataset (BaseDataset | dict): The multi-label dataset.
        proposal_file (str): The labelled CAM boxes (``.json``/``.npz``).
        pipeline (list[dict]): Image pipeline (after loading).
        instance_pipeline (list[dict]): Instance pipeline (gets ``img``,
            ``img_shape``, ``ori_shape``); must give a fixed size.
        max_instances (int): Cap n per image. Defaults to 8.
        instance_mode (str): ``'crop'``. Defaults to ``'crop'``.
        proposal_key (str): Key kind of the file: ``'filename'`` or
            ``'img_id'``. Defaults to ``'filename'``.
        lazy_init (bool): Defer the checks of the file. Defaults to False.
    """

    def __init__(self,
                 dataset: Union[BaseDataset, dict],
                 proposal_file: str,
                 pipeline: Sequence[dict],
                 instance_pipeline: Sequence[dict],
                 max_instances: int = 8,
                 instance_mode: str = 'crop',
                 proposal_key: str = 'filename',
                 lazy_init: bool = False):
        if instance_mode not in INSTANCE_MODES:
            raise ValueError(
                f'CSIDataset: instance_mode must be one of {INSTANCE_MODES}, '
                f"got {instance_mode!r} ('suppressed' needs the CAMs, which "
                'the proposals file does not hold).')
        if max_instances < 1:
            raise ValueError(
                f'CSIDataset: max_instances must be >= 1, got '
                f'{max_instances}.')
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        if not isinstance(dataset, BaseDataset):
            raise TypeError('CSIDataset wraps a BaseDataset or its config, '
                            f'got {type(dataset).__name__}.')
        self.dataset = dataset
        self.proposal_file = proposal_file
        self.proposal_key = proposal_key
        self.max_instances = max_instances
        self.instance_mode = instance_mode
        self.pipeline = Compose(list(pipeline))
        self.instance_pipeline = Compose(list(instance_pipeline))
        self._metainfo = dataset.metainfo
        # LoadProposals refuses a file made for another class list.
        self.loader = LoadProposals(
            proposal_file, key=proposal_key,
            classes=self._metainfo.get('classes'))
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's meta information (a copy)."""
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Check the proposals file against the dataset.

        Raises:
            ValueError: If the file has no labels or scores, lacks an
                image of the dataset, or has a label outside the classes
                (another class list is refused when the file is read).
        """
        if self._fully_initialized:
            return
        self.dataset.full_init()
        table, path = self.loader.table, self.proposal_file
        classes = list(self._metainfo.get('classes') or [])
        if len(table) and table.scores is None:
            raise ValueError(f'{path}: has no box scores; CSI sampling needs '
                             'the score of every box.')
        labels = table.labels
        if len(table) and labels is None:
            raise ValueError(
                f'{path}: has no per-box class labels ("labels"); CSI '
                'training needs the CAM boxes written by '
                'tools/oass/make_csi.py, not plain proposals.')
        if labels is not None and len(labels) and (
                labels.min() < 0 or labels.max() >= len(classes)):
            raise ValueError(
                f'{path}: labels span [{int(labels.min())}, '
                f'{int(labels.max())}], outside the {len(classes)} classes '
                'of the dataset.')
        missing = []
        for i in range(len(self.dataset)):
            key = proposal_key(self.dataset.get_data_info(i),
                               self.proposal_key)
            if key not in table:
                missing.append(key)
        if missing:
            raise ValueError(
                f'{path}: {len(missing)} of {len(self.dataset)} images are '
                f'missing (keyed by {self.proposal_key}), e.g. '
                f'{missing[:3]}; the file was made for another split or '
                'dataset.')
        self._fully_initialized = True

    @force_full_init
    def __len__(self) -> int:
        return len(self.dataset)

    def get_data_info(self, idx: int) -> dict:
        """The wrapped dataset's data_info of image ``idx``."""
        return self.dataset.get_data_info(idx)

    def _instances(self, results: dict, key: str) -> tuple:
        """Draw the instances of one loaded image and run their pipeline."""
        boxes = results['proposals']
        scores = results.get('proposal_scores')
        labels = results.get('proposal_labels')
        if scores is None or labels is None:
            raise ValueError(f'{self.proposal_file}: image {key!r} has no '
                             'box scores or labels.')
        positive = set(int(c) for c in np.asarray(results['gt_label']))
        stray = sorted(set(int(c) for c in labels) - positive)
        if stray:
            raise ValueError(
                f'{self.proposal_file}: image {key!r} has boxes of classes '
                f'{stray} that are not among its labels {sorted(positive)}; '
                'the file does not belong to this dataset.')
        drawn = weighted_sample(scores, self.max_instances)
        img = results['img']
        height, width = img.shape[:2]
        crops = []
        for box in boxes[drawn]:
            x1, y1 = int(np.floor(box[0])), int(np.floor(box[1]))
            x2 = max(int(np.ceil(box[2])), x1 + 1)
            y2 = max(int(np.ceil(box[3])), y1 + 1)
            x1, y1 = min(x1, width - 1), min(y1, height - 1)
            crop = np.ascontiguousarray(img[y1:y2, x1:x2])
            out = self.instance_pipeline(
                dict(img=crop, img_shape=crop.shape[:2],
                     ori_shape=crop.shape[:2]))
            crops.append(out['inputs'])
        instances = torch.stack(crops) if crops else None
        return (instances, torch.as_tensor(labels[drawn], dtype=torch.long),
                torch.as_tensor(scores[drawn], dtype=torch.float32))

    @force_full_init
    def __getitem__(self, idx: int) -> dict:
        """Image ``idx`` and its drawn instances.

        Args:
            idx (int): Image index.

        Returns:
            dict: The image pipeline's output plus ``instances``,
            ``instance_labels`` and ``instance_scores``.
        """
        results = self.dataset[idx]
        key = proposal_key(results, self.proposal_key)
        results = self.loader(results)
        instances, labels, scores = self._instances(results, key)
        data = self.pipeline(results)
        if data is None:
            raise RuntimeError(f'CSIDataset: the image pipeline returned '
                               f'None for image {idx} ({key}).')
        data.update(instances=instances, instance_labels=labels,
                    instance_scores=scores)
        return data

    def get_subset(self, indices: Union[List[int], int]) -> BaseDataset:
        """Not supported: subset the wrapped dataset instead."""
        raise NotImplementedError(
            'CSIDataset has no get_subset; set indices on the wrapped '
            'dataset.')


@FUNCTIONS.register_module()
def csi_collate(data_batch: Sequence[dict]) -> dict:
    """Batch :class:`CSIDataset` samples: stack the images, flatten the
    instances of all images into one tensor and keep each one's image.

    Args:
        data_batch (Sequence[dict]): Samples with ``inputs`` (same size),
            ``data_samples``, ``instances``, ``instance_labels`` and
            ``instance_scores``.

    Returns:
        dict: ``inputs`` ``(B, 3, H, W)``, ``data_samples`` (list),
        ``instances`` ``(N, 3, h, w)`` (``(0, 3, 1, 1)`` when the batch has
        none), ``bag_index``, ``instance_labels`` (int64 ``(N,)``) and
        ``instance_scores`` (float32 ``(N,)``).
    """
    shapes = {tuple(d['inputs'].shape) for d in data_batch}
    if len(shapes) != 1:
        raise ValueError(f'csi_collate: the images have sizes {shapes}; the '
                         'image pipeline must give one size.')
    counts = torch.tensor([len(d['instance_labels']) for d in data_batch])
    crops = [d['instances'] for d in data_batch if d['instances'] is not None]
    inputs = torch.stack([d['inputs'] for d in data_batch])
    if crops:
        sizes = {tuple(c.shape[1:]) for c in crops}
        if len(sizes) != 1:
            raise ValueError(f'csi_collate: the instances have sizes {sizes}'
                             '; the instance pipeline must give one size.')
        instances = torch.cat(crops)
    else:
        instances = inputs.new_zeros(0, inputs.shape[1], 1, 1)
    return dict(
        inputs=inputs,
        data_samples=[d.get('data_samples') for d in data_batch],
        instances=instances,
        bag_index=torch.repeat_interleave(torch.arange(len(data_batch)),
                                          counts),
        instance_labels=torch.cat([d['instance_labels'] for d in data_batch
                                   ]).long(),
        instance_scores=torch.cat([d['instance_scores'] for d in data_batch
                                   ]).float())


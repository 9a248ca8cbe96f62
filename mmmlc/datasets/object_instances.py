"""One sample per object: the reference's sampling unit.

See docs/reference/object_aware_cropping.md (Sampling unit).
"""
import copy
from typing import List, Optional, Union

import numpy as np
from mmengine.dataset import BaseDataset, force_full_init
from mmengine.logging import MMLogger

from mmmlc.registry import DATASETS
from .transforms.proposal_file import load_proposals
from .transforms.proposals import proposal_key


@DATASETS.register_module()
class ObjectInstanceDataset:
    """Wrap a dataset so that every object box is one sample.

    The reference's Object-Object+Dilate loader builds one
    sample per annotated object: an epoch visits every object once, images
    are weighted by their object count, and images without boxes never
    appear. This wrapper does the same for any mmmlc dataset and any box
    source: sample ``i`` is the wrapped image's data_info plus
    ``object_index`` (which box ``SelectObjectBox`` must take), run through
    the *wrapped dataset's* pipeline.

    The default unit in mmmlc's configs is per image (the plain dataset with
    a random box per visit, ``SelectObjectBox``), which matches compute with
    the scene baseline; the reference's unit costs about ``boxes / images``
    times more iterations per epoch (~12x on OHMS), so report iterations
    when comparing.

    Args:
        dataset (BaseDataset | dict): The dataset (with the pipeline).
        box_source (str): ``'gt'`` counts ``gt_bboxes``; ``'proposals'``
            counts the data_info's ``proposals`` or, with
            ``proposal_file``, that file's boxes per image. Must match
            ``SelectObjectBox(box_source=...)``. Defaults to ``'gt'``.
        proposal_file (str, optional): Proposals file to count from (same
            as ``LoadProposals``). Defaults to None.
        proposal_key (str): Key kind of ``proposal_file``. Defaults to
            ``'filename'``.
        top_k (int, optional): Count at most ``top_k`` proposals per image
            (same as ``LoadProposals``). Defaults to None.
        lazy_init (bool): Defer indexing. Defaults to False.
    """

    def __init__(self,
                 dataset: Union[BaseDataset, dict],
                 box_source: str = 'gt',
                 proposal_file: Optional[str] = None,
                 proposal_key: str = 'filename',
                 top_k: Optional[int] = None,
                 lazy_init: bool = False):
        if box_source not in ('gt', 'proposals'):
            raise ValueError("box_source must be 'gt' or 'proposals', got "
                             f'{box_source!r}.')
        if proposal_file is not None and box_source != 'proposals':
            raise ValueError("proposal_file needs box_source='proposals'.")
        if isinstance(dataset, dict):
            dataset = DATASETS.build(dataset)
        if not isinstance(dataset, BaseDataset):
            raise TypeError('ObjectInstanceDataset wraps a BaseDataset or '
                            f'its config, got {type(dataset).__name__}.')
        self.dataset = dataset
        self.box_source = box_source
        self.proposal_file = proposal_file
        self.proposal_key = proposal_key
        self.top_k = top_k
        self._metainfo = dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's meta information (a copy)."""
        return copy.deepcopy(self._metainfo)

    def _box_counts(self) -> np.ndarray:
        """Number of boxes of every wrapped image."""
        table = None
        if self.proposal_file is not None:
            table = load_proposals(self.proposal_file)
        counts = np.zeros(len(self.dataset), np.int64)
        for i in range(len(self.dataset)):
            info = self.dataset.get_data_info(i)
            if table is not None:
                key = proposal_key(info, self.proposal_key)
                num = len(table.get(key)[0]) if key in table else 0
            else:
                field = 'gt_bboxes' if self.box_source == 'gt' else \
                    'proposals'
                boxes = info.get(field)
                num = 0 if boxes is None else len(boxes)
            counts[i] = num
        if self.top_k is not None:
            counts = np.minimum(counts, self.top_k)
        return counts

    def full_init(self) -> None:
        """Index every (image, box) pair of the wrapped dataset."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        counts = self._box_counts()
        self._image_index = np.repeat(np.arange(len(counts)), counts)
        starts = np.cumsum(counts) - counts
        self._object_index = (np.arange(int(counts.sum())) -
                              np.repeat(starts, counts))
        MMLogger.get_current_instance().info(
            f'ObjectInstanceDataset: {len(self._image_index)} objects '
            f'({self.box_source} boxes) from {len(counts)} images; '
            f'{int((counts == 0).sum())} images without boxes are '
            'excluded.')
        self._fully_initialized = True

    @force_full_init
    def __len__(self) -> int:
        return len(self._image_index)

    @force_full_init
    def locate(self, idx: int) -> tuple:
        """``(image index, box index)`` of sample ``idx``.

        Args:
            idx (int): Sample index.

        Returns:
            tuple[int, int]: Index into the wrapped dataset, and the box.
        """
        return int(self._image_index[idx]), int(self._object_index[idx])

    def get_data_info(self, idx: int) -> dict:
        """The wrapped image's data_info with ``object_index``.

        Args:
            idx (int): Sample index.

        Returns:
            dict: data_info with ``object_index`` (int).
        """
        image, box = self.locate(idx)
        info = self.dataset.get_data_info(image)
        info['object_index'] = box
        return info

    def __getitem__(self, idx: int) -> dict:
        """Run the wrapped dataset's pipeline on sample ``idx``.

        Args:
            idx (int): Sample index.

        Returns:
            dict: The pipeline output.

        Raises:
            RuntimeError: If the pipeline drops the sample (returns None).
        """
        data = self.dataset.pipeline(self.get_data_info(idx))
        if data is None:
            raise RuntimeError(
                f'ObjectInstanceDataset: the pipeline returned None for '
                f'object sample {idx} (image {self.locate(idx)[0]}).')
        return data

    def get_subset(self, indices: Union[List[int], int]) -> BaseDataset:
        """Not supported: subset the wrapped dataset instead."""
        raise NotImplementedError(
            'ObjectInstanceDataset has no get_subset; set indices on the '
            'wrapped dataset.')

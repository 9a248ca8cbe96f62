"""Pick the object box of a sample: one box path for GT, proposals, CAMs."""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmengine.logging import MMLogger

from mmmlc.registry import TRANSFORMS

BOX_SOURCE_KEYS = {'gt': 'gt_bboxes', 'proposals': 'proposals'}


class FallbackCounter:
    """Count samples that fell back to a scene crop and log the count.

    Each dataloader worker holds its own copy, so counts are per worker
    process. The first fallback and then every ``log_interval``-th one are
    logged through the current :class:`MMLogger` (a warning), naming the
    latest image and the reason.

    Args:
        owner (str): Who falls back, for the message.
        log_interval (int): Log every this many fallbacks. Defaults to 100.
    """

    def __init__(self, owner: str, log_interval: int = 100):
        if log_interval < 1:
            raise ValueError(
                f'log_interval must be >= 1, got {log_interval}.')
        self.owner = owner
        self.log_interval = log_interval
        self.count = 0

    def add(self, image: str, reason: str) -> None:
        """Record one fallback; log on the first and every interval.

        Args:
            image (str): The image that fell back, for the message.
            reason (str): Why it fell back.
        """
        self.count += 1
        if self.count == 1 or self.count % self.log_interval == 0:
            MMLogger.get_current_instance().warning(
                f'{self.owner}: {self.count} sample(s) fell back to a scene '
                f'crop so far in this worker (logged every '
                f'{self.log_interval}); latest {image}: {reason}.')


def sample_name(results: dict) -> str:
    """A readable name of the sample for messages.

    Args:
        results (dict): Result dict.

    Returns:
        str: ``img_path`` or ``img_id``, else ``'<unknown image>'``.
    """
    for key in ('img_path', 'img_id'):
        if results.get(key) is not None:
            return str(results[key])
    return '<unknown image>'


@TRANSFORMS.register_module()
class SelectObjectBox(BaseTransform):
    """Choose the object box that the object-aware crops will use.

    Reads the boxes of ``box_source`` (``results['gt_bboxes']`` for
    ``'gt'``, ``results['proposals']`` for ``'proposals'``, float ``(N, 4)``
    ``x1, y1, x2, y2`` pixels) and writes ONE of them to
    ``results['object_box']`` (float32 ``(4,)``). Place it before
    ``MultiView`` so that both views see the same box.

    Sampling unit (docs/reference/object_aware_cropping.md (Sampling
    unit)):

    - per image (the default: compute matches the scene baseline): a plain
      dataset, and a uniformly random box on every visit;
    - per object ("one sample per object", the reference): wrap the dataset
      in :class:`~mmmlc.datasets.ObjectInstanceDataset`, which sets
      ``results['object_index']``; this transform then takes that box.

    An image without boxes gets no ``object_box`` and
    ``results['object_fallback'] = True``; the crop transforms then make a
    scene crop. Each fallback is counted (per worker) and logged on the
    first and every ``log_interval``-th occurrence.

    Required keys: ``gt_bboxes`` or ``proposals`` (may be absent: fallback).
    Optional: ``object_index``. Added: ``object_box`` or
    ``object_fallback``.

    Args:
        box_source (str): ``'gt'`` or ``'proposals'``. Defaults to ``'gt'``.
        log_interval (int): Log the fallback count every this many
            fallbacks. Defaults to 100.
    """

    def __init__(self, box_source: str = 'gt', log_interval: int = 100):
        if box_source not in BOX_SOURCE_KEYS:
            raise ValueError(f'box_source must be one of '
                             f'{list(BOX_SOURCE_KEYS)}, got {box_source!r}.')
        self.box_source = box_source
        self.box_key = BOX_SOURCE_KEYS[box_source]
        self.fallbacks = FallbackCounter('SelectObjectBox', log_interval)

    @cache_randomness
    def _random_index(self, num_boxes: int) -> int:
        """Uniform box index for the per-image unit."""
        return int(np.random.randint(num_boxes))

    def transform(self, results: dict) -> dict:
        """Write ``object_box`` (or mark the fallback).

        Args:
            results (dict): Result dict with the box source's key.

        Returns:
            dict: ``results`` with ``object_box`` or ``object_fallback``.
        """
        boxes = results.get(self.box_key)
        num_boxes = 0 if boxes is None else len(boxes)
        index: Optional[int] = results.get('object_index')
        results.pop('object_box', None)
        if num_boxes == 0:
            results['object_fallback'] = True
            self.fallbacks.add(sample_name(results),
                               f'no {self.box_key} boxes')
            return results
        if index is None:
            index = self._random_index(num_boxes)
        elif not 0 <= index < num_boxes:
            raise IndexError(
                f'{sample_name(results)}: object_index {index} but the '
                f'sample has {num_boxes} {self.box_key} boxes. The '
                'ObjectInstanceDataset wrapper and SelectObjectBox must use '
                'the same box source (and the same proposals top_k).')
        box = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)[index]
        results['object_box'] = box.copy()
        results['object_fallback'] = False
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(box_source={self.box_source!r}, '
                f'log_interval={self.fallbacks.log_interval})')

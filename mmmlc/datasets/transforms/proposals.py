"""Attach the boxes of a proposals file to each sample."""
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform

from mmmlc.registry import TRANSFORMS
from .proposal_file import KEY_KINDS, load_proposals
from .select_box import FallbackCounter, sample_name

POLICIES = ('error', 'fallback')


def proposal_key(results: dict, key: str) -> str:
    """The key of a sample in a proposals file.

    Args:
        results (dict): Result dict (``img_path`` / ``img_id``).
        key (str): ``'filename'`` (base name of ``img_path``) or
            ``'img_id'``.

    Returns:
        str: The key.

    Raises:
        KeyError: If the sample lacks the needed field.
    """
    field = 'img_path' if key == 'filename' else 'img_id'
    if results.get(field) is None:
        raise KeyError(f"LoadProposals(key={key!r}) needs '{field}' in the "
                       f'sample of {sample_name(results)}.')
    value = results[field]
    return osp.basename(str(value)) if key == 'filename' else str(value)


@TRANSFORMS.register_module()
class LoadProposals(BaseTransform):
    """Read ``results['proposals']`` from a proposals file.

    The file (format in :mod:`mmmlc.datasets.transforms.proposal_file`) is
    read once, when the transform is built; each sample is looked up by
    ``key`` and checked:

    - the image must be in the file (``on_missing``);
    - its entry must be an ``(N, 4)`` numeric list, boxes ``x1, y1, x2,
      y2`` with positive width and height, inside the image up to
      ``outside_tolerance`` px (then clipped), and a size recorded in the
      file must equal the image's (``on_invalid``).

    With policy ``'error'`` a failure raises naming the image and the file;
    with ``'fallback'`` the sample gets no proposals (a scene crop follows)
    and the fallback is counted and logged. Boxes are ordered by score
    (best first) when the file has scores, and the first ``top_k`` kept.

    The image size comes from ``img`` (put this after
    ``LoadImageFromFile``), else ``height``/``width`` of the data info,
    else the size recorded in the file.

    A file with per-box class labels (e.g. OASS's CAM boxes,
    ``tools/oass/make_csi.py``) also gives each box's class; its header's
    ``classes`` must then equal ``classes`` when that is set (the dataset's
    class list: the pipeline does not see the dataset's metainfo, so the
    config passes it).

    Required keys: ``img_path`` or ``img_id``. Added: ``proposals``
    (float32 ``(N, 4)``), ``proposal_scores`` (float32 ``(N,)`` or None),
    ``proposal_labels`` (int64 ``(N,)``, or None for a file without
    labels).

    Args:
        proposal_file (str): ``.json`` or ``.npz`` proposals file.
        key (str): ``'filename'`` (base name of ``img_path``, what the
            tools write) or ``'img_id'``. Defaults to ``'filename'``.
        top_k (int, optional): Keep the best ``top_k`` boxes. Defaults to
            None (all).
        on_missing (str): ``'error'`` or ``'fallback'`` for an image absent
            from the file. Defaults to ``'error'``.
        on_invalid (str): ``'error'`` or ``'fallback'`` for an image with
            bad boxes. Defaults to ``'error'``.
        outside_tolerance (float): Pixels a box may exceed the image before
            it is an error. Defaults to 2.
        log_interval (int): Log the fallback count every this many
            fallbacks. Defaults to 100.
        classes (Sequence[str], optional): The dataset's class names; a
            file whose header names other classes is an error. Defaults to
            None (not checked).
    """

    def __init__(self,
                 proposal_file: str,
                 key: str = 'filename',
                 top_k: Optional[int] = None,
                 on_missing: str = 'error',
                 on_invalid: str = 'error',
                 outside_tolerance: float = 2.0,
                 log_interval: int = 100,
                 classes: Optional[Sequence[str]] = None):
        if key not in KEY_KINDS:
            raise ValueError(f'key must be one of {KEY_KINDS}, got {key!r}.')
        policies = dict(on_missing=on_missing, on_invalid=on_invalid)
        for name, policy in policies.items():
            if policy not in POLICIES:
                raise ValueError(
                    f'{name} must be one of {POLICIES}, got {policy!r}.')
        if top_k is not None and top_k < 1:
            raise ValueError(f'top_k must be >= 1 or None, got {top_k}.')
        self.proposal_file = proposal_file
        self.key = key
        self.top_k = top_k
        self.on_missing = on_missing
        self.on_invalid = on_invalid
        self.outside_tolerance = outside_tolerance
        self.table = load_proposals(proposal_file)
        file_key = self.table.meta.get('key', 'filename')
        if file_key != key:
            raise ValueError(
                f'{proposal_file} is keyed by {file_key!r}, but '
                f'LoadProposals(key={key!r}) was configured.')
        self.classes = None if classes is None else tuple(classes)
        if (self.classes is not None and self.table.classes is not None
                and self.table.classes != self.classes):
            raise ValueError(
                f'{proposal_file}: its labels index the classes '
                f'{list(self.table.classes)}, but the dataset has the '
                f'classes {list(self.classes)}. Make the file for this '
                'dataset.')
        self.fallbacks = FallbackCounter('LoadProposals', log_interval)

    def _image_size(self, results: dict,
                    recorded: Tuple[int, int]) -> Optional[Tuple[int, int]]:
        """``(width, height)`` of the sample's image, if known."""
        img = results.get('img')
        if isinstance(img, np.ndarray):
            return img.shape[1], img.shape[0]
        if results.get('width') and results.get('height'):
            return int(results['width']), int(results['height'])
        return recorded if recorded[0] > 0 and recorded[1] > 0 else None

    def check_boxes(self, boxes: np.ndarray, size: Optional[Tuple[int, int]],
                    recorded: Tuple[int, int]) -> Optional[str]:
        """Why the boxes of an image are invalid, or None if they are fine.

        Args:
            boxes (np.ndarray): ``(N, 4)`` boxes.
            size (tuple[int, int], optional): Image ``(width, height)``.
            recorded (tuple[int, int]): Size in the file (0 = unknown).

        Returns:
            str | None: The reason, or None.
        """
        if not np.isfinite(boxes).all():
            return 'a box has a non-finite coordinate'
        widths = boxes[:, 2] - boxes[:, 0]
        heights = boxes[:, 3] - boxes[:, 1]
        if (widths < 0).any() or (heights < 0).any():
            bad = boxes[int(np.flatnonzero((widths < 0) | (heights < 0))[0])]
            return (f'box {bad.tolist()} has x2 < x1 or y2 < y1; boxes '
                    'must be x1, y1, x2, y2 (not x, y, w, h)')
        if ((widths == 0) | (heights == 0)).any():
            bad = boxes[int(np.flatnonzero((widths == 0)
                                           | (heights == 0))[0])]
            return f'box {bad.tolist()} has zero area'
        if size is None:
            return None
        if recorded[0] > 0 and recorded != size:
            return (f'the file records size {recorded[0]}x{recorded[1]} but '
                    f'the image is {size[0]}x{size[1]}')
        tol = self.outside_tolerance
        outside = ((boxes[:, :2] < -tol).any(axis=1)
                   | (boxes[:, 2] > size[0] + tol)
                   | (boxes[:, 3] > size[1] + tol))
        if outside.any():
            bad = boxes[int(np.flatnonzero(outside)[0])]
            return (f'box {bad.tolist()} lies outside the {size[0]}x'
                    f'{size[1]} image by more than {tol} px; boxes must be '
                    'pixels of the stored image')
        if len(boxes) and boxes.max() <= 1.0 and min(size) > 2:
            return ('all boxes are within [0, 1]: they look normalised, '
                    'but must be pixels')
        return None

    def _fail(self, results: dict, policy: str, image: str,
              reason: str) -> dict:
        """Raise or fall back (no proposals) for one sample."""
        message = (f'{self.proposal_file}: image {image!r} '
                   f'({sample_name(results)}): {reason}')
        if policy == 'error':
            raise ValueError(message + ". Fix the file, or set on_missing/"
                             "on_invalid='fallback' to use a scene crop.")
        self.fallbacks.add(image, f'{reason} in {self.proposal_file}')
        results['proposals'] = np.zeros((0, 4), np.float32)
        results['proposal_scores'] = None
        results['proposal_labels'] = (None if self.table.labels is None else
                                      np.zeros(0, np.int64))
        return results

    def transform(self, results: dict) -> dict:
        """Look the sample up and attach its checked proposals.

        Args:
            results (dict): Result dict.

        Returns:
            dict: ``results`` with ``proposals``, ``proposal_scores`` and
            ``proposal_labels``.
        """
        image = proposal_key(results, self.key)
        if image not in self.table:
            return self._fail(results, self.on_missing, image,
                              f'not in the proposals file (keyed by '
                              f'{self.key})')
        if image in self.table.invalid:
            return self._fail(results, self.on_invalid, image,
                              self.table.invalid[image])
        boxes, scores, recorded = self.table.get(image)
        labels = self.table.get_labels(image)
        size = self._image_size(results, recorded)
        reason = self.check_boxes(boxes, size, recorded)
        if reason is not None:
            return self._fail(results, self.on_invalid, image, reason)
        if size is not None:
            limit = np.array([size[0], size[1]] * 2, np.float32)
            boxes = np.clip(boxes, 0, limit)
        if scores is not None:
            order = np.argsort(-scores, kind='stable')
            boxes, scores = boxes[order], scores[order]
            labels = None if labels is None else labels[order]
        if self.top_k is not None:
            boxes = boxes[:self.top_k]
            scores = None if scores is None else scores[:self.top_k]
            labels = None if labels is None else labels[:self.top_k]
        results['proposals'] = np.ascontiguousarray(boxes, np.float32)
        results['proposal_scores'] = scores
        results['proposal_labels'] = (None if labels is None else
                                      np.array(labels, np.int64))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(proposal_file='
                f'{self.proposal_file!r}, key={self.key!r}, '
                f'top_k={self.top_k}, on_missing={self.on_missing!r}, '
                f'on_invalid={self.on_invalid!r})')

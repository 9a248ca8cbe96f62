"""The proposals file: object boxes per image, made offline.

The reference kept 10 BING boxes per image
(docs/reference/object_aware_cropping.md (Box proposals)).

Written by ``tools/proposals/selective_search.py`` (selective search or
BING) or by any detector; read once by
:class:`~mmmlc.datasets.transforms.LoadProposals`. Boxes are ``x1, y1, x2,
y2`` in pixels of the stored image (the frame of ``LoadImageFromFile``),
best first when there are no scores. Two encodings, chosen by extension:

JSON (``.json``)::

    {"format": "mmmlc-proposals", "version": 1,
     "key": "filename",            # or "img_id": what the keys are
     "box_mode": "xyxy-pixels",
     "complete": true,             # false while a tool is still writing
     "generator": "selective_search mode=fast top_k=10",   # free text
     "images": {
         "000005.jpg": {"boxes": [[x1, y1, x2, y2], ...],
                        "scores": [0.9, ...],          # optional
                        "labels": [14, ...],           # optional
                        "width": 500, "height": 375},  # optional
         ...},
     "classes": ["aeroplane", ...]}  # optional: what labels index

NPZ (``.npz``, loaded with ``allow_pickle=False``): ``keys`` (str
``(I,)``), ``boxes`` (float32 ``(M, 4)``, all images concatenated),
``offsets`` (int64 ``(I + 1,)``: image ``i`` owns
``boxes[offsets[i]:offsets[i + 1]]``), optional ``scores`` (float32
``(M,)``), optional ``labels`` (int64 ``(M,)``), ``widths`` and
``heights`` (int64 ``(I,)``, 0 = unknown), and ``meta`` (a JSON string
with the header fields above).

``labels`` are per-box class indices (the class a box was found for, e.g.
a CAM box of OASS, docs/reference/oass.md); ``classes`` names the class
list they index, and a reader with its own class list must match it.
A file has labels for every box or for none (then ``labels`` is None).

``key`` ``"filename"`` is the image file's base name (what the tools
write); ``"img_id"`` is the dataset's ``img_id`` as a string.
"""
import json
import os
import zipfile
import zlib
import os.path as osp
from typing import Dict, Iterable, Optional, Sequence, Tuple

import numpy as np

FORMAT = 'mmmlc-proposals'
VERSION = 1
KEY_KINDS = ('filename', 'img_id')


class ProposalTable:
    """All proposals of a file, stored as flat arrays (fork-friendly).

    Args:
        path (str): The file, for messages.
        keys (Iterable[str]): Image keys, in order.
        boxes (np.ndarray): float32 ``(M, 4)``.
        offsets (np.ndarray): int64 ``(I + 1,)``.
        scores (np.ndarray, optional): float32 ``(M,)``.
        sizes (np.ndarray): int64 ``(I, 2)`` ``(width, height)``, 0 unknown.
        meta (dict): Header fields.
        invalid (dict[str, str]): Keys whose entry could not be read as
            boxes, with the reason (reported at lookup).
        labels (np.ndarray, optional): int64 ``(M,)`` class index of each
            box. Defaults to None.
    """

    def __init__(self,
                 path: str,
                 keys: Iterable[str],
                 boxes: np.ndarray,
                 offsets: np.ndarray,
                 scores: Optional[np.ndarray],
                 sizes: np.ndarray,
                 meta: dict,
                 invalid: Dict[str, str],
                 labels: Optional[np.ndarray] = None):
        self.path = path
        self.keys = [str(k) for k in keys]
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.boxes = boxes
        self.offsets = offsets
        self.scores = scores
        self.sizes = sizes
        self.meta = meta
        self.invalid = invalid
        self.labels = labels
        classes = meta.get('classes')
        self.classes = None if classes is None else tuple(classes)
        if labels is not None and self.classes is not None and len(labels):
            low, high = int(labels.min()), int(labels.max())
            if low < 0 or high >= len(self.classes):
                raise ValueError(
                    f'{path}: labels range over [{low}, {high}] but the '
                    f'file names {len(self.classes)} classes.')

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: str) -> bool:
        return key in self.index

    def get(
        self, key: str
    ) -> Tuple[np.ndarray, Optional[np.ndarray], Tuple[int, int]]:
        """Boxes, scores and ``(width, height)`` (0 = unknown) of an image.

        Args:
            key (str): Image key; must be in the table.

        Returns:
            tuple: float32 ``(N, 4)`` boxes, float32 ``(N,)`` scores or
            None, and the recorded size.
        """
        i = self.index[key]
        start, stop = int(self.offsets[i]), int(self.offsets[i + 1])
        scores = None if self.scores is None else self.scores[start:stop]
        return (self.boxes[start:stop], scores,
                (int(self.sizes[i, 0]), int(self.sizes[i, 1])))

    def get_labels(self, key: str) -> Optional[np.ndarray]:
        """Class indices of an image's boxes (int64 ``(N,)``), or None.

        Args:
            key (str): Image key; must be in the table.

        Returns:
            np.ndarray | None: In the order of :meth:`get`'s boxes; None
            when the file has no labels.
        """
        if self.labels is None:
            return None
        i = self.index[key]
        return self.labels[int(self.offsets[i]):int(self.offsets[i + 1])]


def _header(meta: dict, path: str) -> dict:
    """Check a file's header fields."""
    if meta.get('format', FORMAT) != FORMAT:
        raise ValueError(f'{path}: format is {meta.get("format")!r}, '
                         f'expected {FORMAT!r}.')
    if meta.get('box_mode', 'xyxy-pixels') != 'xyxy-pixels':
        raise ValueError(f'{path}: box_mode {meta.get("box_mode")!r} is '
                         "not supported; boxes must be 'xyxy-pixels'.")
    if meta.get('key', 'filename') not in KEY_KINDS:
        raise ValueError(f'{path}: key {meta.get("key")!r}, expected one '
                         f'of {KEY_KINDS}.')
    classes = meta.get('classes')
    if classes is not None and (not isinstance(classes, list) or not all(
            isinstance(name, str) for name in classes)):
        raise ValueError(f'{path}: classes must be a list of class names, '
                         f'got {classes!r}.')
    return meta


def _read_json(path: str) -> ProposalTable:
    """Parse the JSON encoding; bad per-image entries are kept as invalid."""
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f'{path} is not a JSON proposals file ({err}).') \
            from err
    if not isinstance(data, dict) or not isinstance(data.get('images'),
                                                    dict):
        raise ValueError(
            f'{path}: expected a JSON object with "images": {{key: '
            '{"boxes": [[x1, y1, x2, y2], ...], "scores": [...]}}} (see '
            'mmmlc/datasets/transforms/proposal_file.py).')
    meta = _header({k: v for k, v in data.items() if k != 'images'}, path)
    keys, chunks, score_chunks, sizes, invalid = [], [], [], [], {}
    label_chunks = []
    has_scores = has_labels = True
    for key, entry in data['images'].items():
        if isinstance(entry, list):
            entry = {'boxes': entry}
        boxes, scores, size, labels = _parse_entry(entry)
        if isinstance(boxes, str):
            invalid[key] = boxes
            boxes, scores = np.zeros((0, 4)), np.zeros(0)
            labels = np.zeros(0, np.int64)
        keys.append(key)
        chunks.append(boxes)
        has_scores &= scores is not None
        has_labels &= labels is not None
        score_chunks.append(scores)
        label_chunks.append(labels)
        sizes.append(size)
    offsets = np.cumsum([0] + [len(c) for c in chunks]).astype(np.int64)
    boxes = (np.concatenate(chunks).astype(np.float32)
             if chunks else np.zeros((0, 4), np.float32))
    scores = None
    if has_scores and keys:
        scores = np.concatenate(score_chunks).astype(np.float32)
    labels = None
    if has_labels and keys:
        labels = np.concatenate(label_chunks).astype(np.int64)
    return ProposalTable(path, keys, boxes, offsets, scores,
                         np.asarray(sizes, np.int64).reshape(-1, 2), meta,
                         invalid, labels)


def _parse_entry(entry) -> tuple:
    """``(boxes, scores, (w, h), labels)`` of a JSON entry, or a reason."""
    if not isinstance(entry, dict) or 'boxes' not in entry:
        return ('expected {"boxes": [[x1, y1, x2, y2], ...]} or a list of '
                f'boxes, got {type(entry).__name__}', None, (0, 0), None)
    try:
        boxes = np.asarray(entry['boxes'], dtype=np.float64)
        scores, labels = entry.get('scores'), entry.get('labels')
        if scores is not None:
            scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        if labels is not None:
            labels = np.asarray(labels, dtype=np.float64).reshape(-1)
        size = (int(entry.get('width') or 0), int(entry.get('height') or 0))
    except (TypeError, ValueError) as err:
        return (f'entry is not numeric as documented ({err})', None, (0, 0),
                None)
    if boxes.size == 0:
        boxes = boxes.reshape(0, 4)
    reason = None
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        reason = (f'boxes have shape {boxes.shape}, expected (N, 4) as '
                  'x1, y1, x2, y2')
    elif scores is not None and len(scores) != len(boxes):
        reason = f'{len(scores)} scores for {len(boxes)} boxes'
    elif labels is not None and len(labels) != len(boxes):
        reason = f'{len(labels)} labels for {len(boxes)} boxes'
    elif labels is not None and (np.any(labels != np.round(labels))
                                 or np.any(labels < 0)):
        reason = f'labels {labels.tolist()} are not class indices (ints >= 0)'
    if reason is not None:
        return reason, None, (0, 0), None
    return (boxes, scores, size,
            None if labels is None else labels.astype(np.int64))


def _read_npz(path: str) -> ProposalTable:
    """Parse the NPZ encoding (whole-file layout errors raise)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile,
            zlib.error) as err:
        raise ValueError(f'{path} is not a readable NPZ proposals file '
                         f'(truncated or corrupt? {err}).') from err
    missing = {'keys', 'boxes', 'offsets'} - set(arrays)
    if missing:
        raise ValueError(f'{path}: missing arrays {sorted(missing)}; '
                         'expected keys, boxes (M, 4), offsets (I + 1,).')
    keys, boxes, offsets = arrays['keys'], arrays['boxes'], arrays['offsets']
    num = len(keys)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f'{path}: boxes have shape {boxes.shape}, expected '
                         '(M, 4) as x1, y1, x2, y2 pixels.')
    if (offsets.shape != (num + 1, ) or offsets[0] != 0
            or offsets[-1] != len(boxes) or np.any(np.diff(offsets) < 0)):
        raise ValueError(
            f'{path}: offsets must be non-decreasing, shape ({num + 1},), '
            f'from 0 to {len(boxes)}; got shape {offsets.shape}.')
    scores = arrays.get('scores')
    if scores is not None and scores.shape != (len(boxes), ):
        raise ValueError(f'{path}: scores have shape {scores.shape}, '
                         f'expected ({len(boxes)},).')
    labels = arrays.get('labels')
    if labels is not None and (labels.shape != (len(boxes), )
                               or labels.dtype.kind not in 'iu'):
        raise ValueError(f'{path}: labels are {labels.dtype} '
                         f'{labels.shape}, expected int ({len(boxes)},).')
    sizes = np.zeros((num, 2), np.int64)
    for column, name in enumerate(('widths', 'heights')):
        if name in arrays:
            sizes[:, column] = arrays[name]
    meta = _header(json.loads(str(arrays['meta'])) if 'meta' in arrays else
                   {}, path)
    return ProposalTable(path, keys.astype(str), boxes.astype(np.float32),
                         offsets.astype(np.int64),
                         None if scores is None else
                         scores.astype(np.float32), sizes, meta, {},
                         None if labels is None else labels.astype(np.int64))


def load_proposals(path: str) -> ProposalTable:
    """Read a proposals file (JSON or NPZ by extension).

    Args:
        path (str): ``.json`` or ``.npz`` file.

    Returns:
        ProposalTable: Its content.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If it is not a proposals file of the documented format.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'Expected a proposals file (.json or .npz) at {path!r}, but no '
            'such file exists. Make one with '
            'tools/proposals/selective_search.py.')
    if path.endswith('.npz'):
        return _read_npz(path)
    if path.endswith('.json'):
        return _read_json(path)
    raise ValueError(f'{path}: proposals files end in .json or .npz.')


def save_proposals(path: str,
                   entries: Dict[str, dict],
                   key: str = 'filename',
                   complete: bool = True,
                   generator: str = '',
                   classes: Optional[Sequence[str]] = None) -> None:
    """Write a proposals file atomically (a temp file, then a rename).

    Args:
        path (str): ``.json`` or ``.npz`` output.
        entries (dict[str, dict]): Image key -> ``dict(boxes=(N, 4),
            scores=(N,) or None, labels=(N,) or None, width=int,
            height=int)``. Labels are written when every entry has them.
        key (str): What the keys are: ``'filename'`` or ``'img_id'``.
            Defaults to ``'filename'``.
        complete (bool): False for a partial file of a running tool.
            Defaults to True.
        generator (str): Free text on how the boxes were made.
            Defaults to ''.
        classes (Sequence[str], optional): The class list the labels
            index, stored in the header. Defaults to None.

    Raises:
        ValueError: If ``key`` or the extension is unknown.
    """
    if key not in KEY_KINDS:
        raise ValueError(f'key must be one of {KEY_KINDS}, got {key!r}.')
    meta = dict(format=FORMAT, version=VERSION, key=key,
                box_mode='xyxy-pixels', complete=complete,
                generator=generator)
    if classes is not None:
        meta['classes'] = [str(name) for name in classes]
    labelled = bool(entries) and all(
        e.get('labels') is not None for e in entries.values())
    tmp = f'{path}.tmp{os.getpid()}'
    if path.endswith('.json'):
        images = {}
        for name, entry in entries.items():
            item = {'boxes': np.asarray(entry['boxes']).reshape(-1, 4)
                    .round(2).tolist()}
            if entry.get('scores') is not None:
                item['scores'] = np.asarray(entry['scores']).round(6).tolist()
            if labelled:
                item['labels'] = np.asarray(entry['labels'],
                                            np.int64).reshape(-1).tolist()
            item['width'] = int(entry.get('width') or 0)
            item['height'] = int(entry.get('height') or 0)
            images[name] = item
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(dict(meta, images=images), f)
    elif path.endswith('.npz'):
        names = list(entries)
        boxes = [np.asarray(entries[n]['boxes'], np.float32).reshape(-1, 4)
                 for n in names]
        arrays = dict(
            keys=np.asarray(names, dtype=str),
            boxes=(np.concatenate(boxes) if boxes else np.zeros(
                (0, 4), np.float32)),
            offsets=np.cumsum([0] + [len(b) for b in boxes]).astype(
                np.int64),
            widths=np.asarray([int(entries[n].get('width') or 0)
                               for n in names], np.int64),
            heights=np.asarray([int(entries[n].get('height') or 0)
                                for n in names], np.int64),
            meta=np.asarray(json.dumps(meta)))
        if names and all(entries[n].get('scores') is not None for n in names):
            arrays['scores'] = np.concatenate([
                np.asarray(entries[n]['scores'], np.float32).reshape(-1)
                for n in names
            ])
        if labelled:
            arrays['labels'] = np.concatenate([
                np.asarray(entries[n]['labels'], np.int64).reshape(-1)
                for n in names
            ])
        with open(tmp, 'wb') as f:
            np.savez(f, **arrays)
    else:
        raise ValueError(f'{path}: proposals files end in .json or .npz.')
    os.replace(tmp, path)

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
                        "width": 500, "height": 375},  # optional
         ...}}

NPZ (``.npz``, loaded with ``allow_pickle=False``): ``keys`` (str
``(I,)``), ``boxes`` (float32 ``(M, 4)``, all images concatenated),
``offsets`` (int64 ``(I + 1,)``: image ``i`` owns
``boxes[offsets[i]:offsets[i + 1]]``), optional ``scores`` (float32
``(M,)``), ``widths`` and ``heights`` (int64 ``(I,)``, 0 = unknown), and
``meta`` (a JSON string with the header fields above).

``key`` ``"filename"`` is the image file's base name (what the tools
write); ``"img_id"`` is the dataset's ``img_id`` as a string.
"""
import json
import os
import os.path as osp
from typing import Dict, Iterable, Optional, Tuple

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
    """

    def __init__(self, path: str, keys: Iterable[str], boxes: np.ndarray,
                 offsets: np.ndarray, scores: Optional[np.ndarray],
                 sizes: np.ndarray, meta: dict, invalid: Dict[str, str]):
        self.path = path
        self.keys = [str(k) for k in keys]
        self.index = {key: i for i, key in enumerate(self.keys)}
        self.boxes = boxes
        self.offsets = offsets
        self.scores = scores
        self.sizes = sizes
        self.meta = meta
        self.invalid = invalid

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
    has_scores = True
    for key, entry in data['images'].items():
        if isinstance(entry, list):
            entry = {'boxes': entry}
        boxes, scores, size = _parse_entry(entry)
        if isinstance(boxes, str):
            invalid[key] = boxes
            boxes, scores = np.zeros((0, 4)), np.zeros(0)
        keys.append(key)
        chunks.append(boxes)
        has_scores &= scores is not None
        score_chunks.append(scores)
        sizes.append(size)
    offsets = np.cumsum([0] + [len(c) for c in chunks]).astype(np.int64)
    boxes = (np.concatenate(chunks).astype(np.float32)
             if chunks else np.zeros((0, 4), np.float32))
    scores = None
    if has_scores and keys:
        scores = np.concatenate(score_chunks).astype(np.float32)
    return ProposalTable(path, keys, boxes, offsets, scores,
                         np.asarray(sizes, np.int64).reshape(-1, 2), meta,
                         invalid)


def _parse_entry(entry) -> tuple:
    """``(boxes, scores, (w, h))`` of one JSON entry, or a reason string."""
    if not isinstance(entry, dict) or 'boxes' not in entry:
        return ('expected {"boxes": [[x1, y1, x2, y2], ...]} or a list of '
                f'boxes, got {type(entry).__name__}', None, (0, 0))
    try:
        boxes = np.asarray(entry['boxes'], dtype=np.float64)
        scores = entry.get('scores')
        if scores is not None:
            scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        size = (int(entry.get('width') or 0), int(entry.get('height') or 0))
    except (TypeError, ValueError) as err:
        return f'entry is not numeric as documented ({err})', None, (0, 0)
    if boxes.size == 0:
        boxes = boxes.reshape(0, 4)
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        return (f'boxes have shape {boxes.shape}, expected (N, 4) as '
                'x1, y1, x2, y2', None, (0, 0))
    if scores is not None and len(scores) != len(boxes):
        return f'{len(scores)} scores for {len(boxes)} boxes', None, (0, 0)
    return boxes, scores, size


def _read_npz(path: str) -> ProposalTable:
    """Parse the NPZ encoding (whole-file layout errors raise)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError) as err:
        raise ValueError(f'{path} is not an NPZ proposals file ({err}).') \
            from err
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
    sizes = np.zeros((num, 2), np.int64)
    for column, name in enumerate(('widths', 'heights')):
        if name in arrays:
            sizes[:, column] = arrays[name]
    meta = _header(json.loads(str(arrays['meta'])) if 'meta' in arrays else
                   {}, path)
    return ProposalTable(path, keys.astype(str), boxes.astype(np.float32),
                         offsets.astype(np.int64),
                         None if scores is None else
                         scores.astype(np.float32), sizes, meta, {})


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
                   generator: str = '') -> None:
    """Write a proposals file atomically (a temp file, then a rename).

    Args:
        path (str): ``.json`` or ``.npz`` output.
        entries (dict[str, dict]): Image key -> ``dict(boxes=(N, 4),
            scores=(N,) or None, width=int, height=int)``.
        key (str): What the keys are: ``'filename'`` or ``'img_id'``.
            Defaults to ``'filename'``.
        complete (bool): False for a partial file of a running tool.
            Defaults to True.
        generator (str): Free text on how the boxes were made.
            Defaults to ''.

    Raises:
        ValueError: If ``key`` or the extension is unknown.
    """
    if key not in KEY_KINDS:
        raise ValueError(f'key must be one of {KEY_KINDS}, got {key!r}.')
    meta = dict(format=FORMAT, version=VERSION, key=key,
                box_mode='xyxy-pixels', complete=complete,
                generator=generator)
    tmp = f'{path}.tmp{os.getpid()}'
    if path.endswith('.json'):
        images = {}
        for name, entry in entries.items():
            item = {'boxes': np.asarray(entry['boxes']).reshape(-1, 4)
                    .round(2).tolist()}
            if entry.get('scores') is not None:
                item['scores'] = np.asarray(entry['scores']).round(6).tolist()
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
        with open(tmp, 'wb') as f:
            np.savez(f, **arrays)
    else:
        raise ValueError(f'{path}: proposals files end in .json or .npz.')
    os.replace(tmp, path)

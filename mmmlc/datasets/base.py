"""Checks shared by the file-based multi-label datasets.

Every dataset of mmmlc reads someone else's annotation files, so each one
has to tell the user exactly which file is wrong and what was expected.
These helpers keep those messages uniform; they hold no dataset logic.
"""
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np


def require_dir(path: str, what: str) -> None:
    """Raise unless ``path`` is an existing directory.

    Args:
        path (str): Directory that must exist.
        what (str): What the directory should hold, for the message
            (e.g. ``'VOC JPEGImages folder'``).

    Raises:
        FileNotFoundError: If ``path`` is not a directory.
    """
    if not path or not osp.isdir(path):
        raise FileNotFoundError(
            f'Expected {what} at {path!r}, but no such directory exists.')


def require_file(path: str, what: str) -> None:
    """Raise unless ``path`` is an existing file.

    Args:
        path (str): File that must exist.
        what (str): What the file should contain, for the message.

    Raises:
        FileNotFoundError: If ``path`` is not a file.
    """
    if not path or not osp.isfile(path):
        raise FileNotFoundError(
            f'Expected {what} at {path!r}, but no such file exists.')


def read_lines(path: str, what: str) -> List[str]:
    """Read the non-blank lines of a text file, stripped.

    Args:
        path (str): Text file.
        what (str): What the file should contain, for the message.

    Returns:
        list[str]: The stripped non-blank lines in file order.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If the file is not UTF-8 text.
    """
    require_file(path, what)
    try:
        with open(path, encoding='utf-8') as f:
            lines = f.read().splitlines()
    except UnicodeDecodeError as err:
        raise ValueError(
            f'{path}: expected {what} as UTF-8 text ({err}).') from err
    return [line.strip() for line in lines if line.strip()]


def check_files_exist(paths: Sequence[str], listed_in: str) -> None:
    """Raise if any of ``paths`` is missing on disk.

    A stat per file is slow on network file systems for 10^5 images, so each
    folder is scanned once (``os.scandir``) and names are ticked off; the scan
    stops as soon as every wanted name of that folder has been seen.

    Args:
        paths (Sequence[str]): Files that must exist.
        listed_in (str): The annotation file that lists them, for the message.

    Raises:
        FileNotFoundError: Naming the missing files (up to 5) and their count.
    """
    wanted: Dict[str, Dict[str, str]] = defaultdict(dict)
    for path in paths:
        folder, name = osp.split(path)
        wanted[folder][name] = path
    missing = set()
    for folder, names in wanted.items():
        if osp.isdir(folder):
            with os.scandir(folder) as entries:
                for entry in entries:
                    names.pop(entry.name, None)
                    if not names:
                        break
        missing.update(names.values())
    if missing:
        examples = [p for p in paths if p in missing][:5]
        raise FileNotFoundError(
            f'{len(missing)} image(s) listed in {listed_in} are missing on '
            f'disk, e.g. {examples}. Fix the image folder (data_prefix) or '
            'remove those entries from the annotation file.')


def class_index(name: str, class_to_idx: Mapping[str, int],
                source: str) -> int:
    """Look a class name up, failing with the known class names.

    Args:
        name (str): Class name read from an annotation.
        class_to_idx (Mapping[str, int]): Known classes.
        source (str): The file the name was read from, for the message.

    Returns:
        int: The class index.

    Raises:
        ValueError: If the name is not a known class.
    """
    if name not in class_to_idx:
        raise ValueError(
            f'{source}: unknown class {name!r}; known classes are '
            f'{list(class_to_idx)}. Set metainfo=dict(classes=...) to the '
            'classes of your annotations.')
    return class_to_idx[name]


def float32_keeping_floor(values: np.ndarray) -> np.ndarray:
    """Cast to float32 without changing the floor of any value.

    The object-aware-cropping reference floors ``v * W`` in float64
    (``docs/reference/object_aware_cropping.md``, box to pixels). A plain
    float32 cast rounds e.g. ``0.14125 * 800 = 112.99999999999999`` up to
    ``113.0``, so a later floor gives 113 instead of the reference's 112.
    Where the cast crossed an integer, step to the next float32 below it;
    every other value is the plain cast (sub-pixel precision is kept).

    Args:
        values (np.ndarray): Values to cast (e.g. float64 pixel boxes).

    Returns:
        np.ndarray: float32 values with ``floor(out) == floor(values)``.
    """
    values = np.asarray(values, dtype=np.float64)
    cast = values.astype(np.float32)
    crossed = np.floor(cast) > np.floor(values)
    return np.where(crossed, np.nextafter(cast, np.float32(-np.inf)), cast)


def boxes_to_array(boxes: Sequence[Sequence[float]], image: str,
                   source: str) -> np.ndarray:
    """Stack ``x1, y1, x2, y2`` boxes into float32 ``(N, 4)`` and check them.

    The cast keeps each coordinate's floor (:func:`float32_keeping_floor`).

    Args:
        boxes (Sequence[Sequence[float]]): Boxes in pixels.
        image (str): Image the boxes belong to, for the message.
        source (str): Annotation file, for the message.

    Returns:
        np.ndarray: float32 array of shape ``(N, 4)``; ``(0, 4)`` if empty.

    Raises:
        ValueError: If a box is not finite or has ``x2 < x1`` or ``y2 < y1``.
    """
    array = float32_keeping_floor(np.asarray(boxes,
                                             np.float64).reshape(-1, 4))
    bad = ~np.isfinite(array).all(axis=1)
    bad |= (array[:, 2] < array[:, 0]) | (array[:, 3] < array[:, 1])
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f'{source}: box {array[first].tolist()} of image {image!r} is '
            'invalid (expected finite x1 <= x2 and y1 <= y2).')
    return array


def check_classes_match(user_classes: Optional[Sequence[str]],
                        file_classes: Sequence[str], source: str) -> None:
    """Check that classes given in ``metainfo`` equal the file's classes.

    For datasets whose files define the label space (COCO categories,
    ML-GCN ``category.json``, OHMS label dicts) a user-given class list can
    only restate it; a different list would silently rename classes.

    Args:
        user_classes (Sequence[str], optional): ``metainfo['classes']`` as
            given by the user, or None.
        file_classes (Sequence[str]): Classes defined by the files.
        source (str): The file defining the classes, for the message.

    Raises:
        ValueError: If ``user_classes`` is given and differs.
    """
    if user_classes is not None and tuple(user_classes) != tuple(
            file_classes):
        raise ValueError(
            f'metainfo classes {list(user_classes)} differ from the classes '
            f'{list(file_classes)} defined by {source}. Leave '
            "metainfo['classes'] unset for this dataset.")

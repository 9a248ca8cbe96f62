"""What the file-based multi-label datasets share.

Every dataset of mmmlc reads someone else's annotation files, so each one
has to tell the user exactly which file is wrong and what was expected. The
check helpers below keep those messages uniform; :class:`MultiLabelFileDataset`
runs them around each dataset's own parser.
"""
import json
import os
import os.path as osp
from collections import defaultdict
from typing import (Any, Callable, Dict, List, Mapping, Optional, Sequence,
                    Tuple, Union)

import numpy as np
from mmengine.logging import MMLogger
from mmpretrain.datasets import MultiLabelDataset


def _require_path(path: str, what: str, exists: Callable[[str], bool],
                  kind: str) -> None:
    """Raise ``FileNotFoundError`` naming ``what`` unless ``exists(path)``."""
    if not path or not exists(path):
        raise FileNotFoundError(
            f'Expected {what} at {path!r}, but no such {kind} exists.')


def require_dir(path: str, what: str) -> None:
    """Raise unless ``path`` is an existing directory.

    Args:
        path (str): Directory that must exist.
        what (str): What the directory should hold, for the message
            (e.g. ``'the VOC XML folder'``).
    """
    _require_path(path, what, osp.isdir, 'directory')


def require_file(path: str, what: str) -> None:
    """Raise unless ``path`` is an existing file.

    Local rather than mmengine's ``check_file_exist``, which builds its
    message with ``str.format`` and so breaks on the braces of descriptions
    such as ``'{ImageID: [MID, ...]}'``.

    Args:
        path (str): File that must exist.
        what (str): What the file should contain, for the message.
    """
    _require_path(path, what, osp.isfile, 'file')


def require_choice(value: str, choices: Sequence[str], what: str) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``.

    Args:
        value (str): The given value.
        choices (Sequence[str]): Allowed values.
        what (str): The argument's name, for the message.
    """
    if value not in choices:
        raise ValueError(
            f'{what} must be one of {tuple(choices)}, got {value!r}.')


def read_text(path: str, what: str) -> str:
    """Read a UTF-8 text file, naming it and its expected content on failure.

    Args:
        path (str): Text file.
        what (str): What the file should contain, for the message.

    Returns:
        str: The file's content.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If the file is not UTF-8 text.
    """
    require_file(path, what)
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except UnicodeDecodeError as err:
        raise ValueError(
            f'{path}: expected {what} as UTF-8 text ({err}).') from err


def read_lines(path: str, what: str) -> List[str]:
    """Read the non-blank lines of a text file, stripped.

    Local rather than mmengine's ``list_from_file``, which keeps blank lines
    and trailing spaces and fails on a missing file without naming ``what``.

    Args:
        path (str): Text file.
        what (str): What the file should contain, for the message.

    Returns:
        list[str]: The stripped non-blank lines in file order.
    """
    lines = read_text(path, what).splitlines()
    return [line.strip() for line in lines if line.strip()]


def load_json(path: str, what: str) -> Any:
    """Load a json file, naming it and its expected content on failure.

    Local rather than mmengine's ``load``, whose decode error names neither
    the file nor what it should hold.

    Args:
        path (str): File to read.
        what (str): What it should contain, for the message.

    Returns:
        Any: The decoded json.

    Raises:
        ValueError: If the file is not json.
    """
    text = read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f'Malformed json in {path} ({what}): {err}') from err


def join_root(data_root: str, path: Optional[str]) -> Optional[str]:
    """Resolve an extra annotation file against ``data_root``.

    The same rule mmengine applies to ``ann_file``: a relative path is
    joined with a non-empty ``data_root``; an absolute one, or None, is
    returned as is.

    Args:
        data_root (str): Dataset root, possibly ``''``.
        path (str, optional): A file path or None.

    Returns:
        str, optional: The resolved path, or None.
    """
    if path is None or osp.isabs(path) or not data_root:
        return path
    return osp.join(data_root, path)


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


def boxes_to_array(boxes: Sequence[Sequence[float]], image: str,
                   source: str) -> np.ndarray:
    """Stack ``x1, y1, x2, y2`` boxes into float32 ``(N, 4)`` and check them.

    Args:
        boxes (Sequence[Sequence[float]]): Boxes in pixels.
        image (str): Image the boxes belong to, for the message.
        source (str): Annotation file, for the message.

    Returns:
        np.ndarray: float32 array of shape ``(N, 4)``; ``(0, 4)`` if empty.

    Raises:
        ValueError: If a box is not finite or has ``x2 < x1`` or ``y2 < y1``.
    """
    array = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    bad = ~np.isfinite(array).all(axis=1)
    bad |= (array[:, 2] < array[:, 0]) | (array[:, 3] < array[:, 1])
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f'{source}: box {array[first].tolist()} of image {image!r} is '
            'invalid (expected finite x1 <= x2 and y1 <= y2).')
    return array


class MultiLabelFileDataset(MultiLabelDataset):
    """A multi-label dataset read from the annotation files of a release.

    Each subclass (VOC, COCO, ML-GCN json, NUS-WIDE, OpenImages OHMS) parses
    its own files in :meth:`parse_annotations`. This class does what they
    share around it: it fills ``data_prefix`` from the subclass's
    :attr:`FOLDERS`; before parsing it checks that ``data_root`` (when given)
    and those folders exist, naming what each should hold; after parsing it
    checks that every listed image exists and logs the counts. The parsers
    check their annotation files as they read them (:func:`read_lines`,
    :func:`load_json`). mmengine's ``BaseDataset`` does the rest
    (``indices``, ``serialize_data``, ``lazy_init``, the pipeline);
    mmpretrain's ``MultiLabelDataset`` gives ``get_cat_ids``,
    ``class_to_idx`` and the ``repr``, to which :attr:`REPR_ATTRS` adds the
    subclass's own inputs and options.

    mmengine's ``filter_cfg`` is not taken: ``BaseDataset.filter_data``
    ignores it unless overridden, and it runs after the image check, so
    images dropped there would still have to exist on disk. Datasets that
    drop images (COCO without annotations, NUS-WIDE without a positive) do it
    while parsing.

    Args:
        ann_file (str): The annotation file, relative to ``data_root``
            unless absolute.
        data_root (str): Root of ``ann_file`` and ``data_prefix``.
            Defaults to ''.
        data_prefix (dict, optional): Folders relative to ``data_root``
            (``img_path``, ...); keys not given take their default in the
            subclass's :attr:`FOLDERS`. Defaults to None.
        metainfo (dict, optional): Meta information; what ``classes`` may
            be depends on the subclass. Defaults to None.
        pipeline (Sequence[dict | Callable]): Transforms. Defaults to ().
        test_mode (bool): mmengine test mode. Defaults to False.
        lazy_init (bool): Defer reading the files to ``full_init()``.
            Defaults to False.
        indices (int | Sequence[int], optional): Keep only these samples.
            Defaults to None.
        serialize_data (bool): Serialize the data list. Defaults to True.
        max_refetch (int): mmengine refetch limit. Defaults to 1000.
    """

    #: The ``data_prefix`` folders of the subclass's layout: key ->
    #: (default folder, what it holds, for the message when it is missing).
    FOLDERS: Dict[str, Tuple[str, str]] = dict(
        img_path=('', 'the image folder'))
    #: Attributes that ``repr`` shows besides ``ann_file`` and the images.
    REPR_ATTRS: Tuple[str, ...] = ()

    def __init__(self,
                 ann_file: str,
                 data_root: str = '',
                 data_prefix: Optional[Dict[str, str]] = None,
                 metainfo: Optional[dict] = None,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 max_refetch: int = 1000):
        prefix = {key: default for key, (default, _) in self.FOLDERS.items()}
        prefix.update(data_prefix or {})
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=prefix,
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch)

    def load_data_list(self) -> List[dict]:
        """Check the inputs, parse the annotations, check the images exist.

        Returns:
            list[dict]: The data_infos of :meth:`parse_annotations`.
        """
        if self.data_root:
            require_dir(self.data_root,
                        f'the data_root of {type(self).__name__}')
        for key, (_, what) in self.FOLDERS.items():
            require_dir(self.data_prefix[key] or '.', what)
        data_list = self.parse_annotations()
        check_files_exist([info['img_path'] for info in data_list],
                          self.ann_file)
        MMLogger.get_current_instance().info(
            f'{type(self).__name__}: {len(data_list)} images, '
            f'{len(self.CLASSES)} classes from {self.ann_file}.')
        return data_list

    def parse_annotations(self) -> List[dict]:
        """Read the annotation files into data_infos (subclasses implement).

        It must also set ``metainfo['classes']`` (see :meth:`_set_classes`).

        Returns:
            list[dict]: One data_info per image, with ``img_path`` and
            ``gt_label`` at least.
        """
        raise NotImplementedError

    def _set_classes(self,
                     classes: Sequence[str],
                     defined_by: Optional[str] = None) -> Dict[str, int]:
        """Set ``metainfo['classes']`` and return the class-to-index map.

        Args:
            classes (Sequence[str]): Class names in index order.
            defined_by (str, optional): The file that defines the label space
                (COCO categories, ML-GCN ``category.json``, the OHMS train
                dict). A class list the user gave in ``metainfo`` can then
                only restate it: a different one would silently rename
                classes. None when the classes come from ``metainfo`` or the
                class default. Defaults to None.

        Returns:
            dict[str, int]: Class name to index.

        Raises:
            ValueError: If ``defined_by`` is given and the user's classes
                differ from ``classes``.
        """
        user_classes = self._metainfo.get('classes')
        if (defined_by is not None and user_classes is not None
                and tuple(user_classes) != tuple(classes)):
            raise ValueError(
                f'metainfo classes {list(user_classes)} differ from the '
                f'classes {list(classes)} defined by {defined_by}. Leave '
                "metainfo['classes'] unset for this dataset.")
        self._metainfo['classes'] = tuple(classes)
        return self.class_to_idx

    def extra_repr(self) -> List[str]:
        """Describe the files this dataset reads and its options.

        Returns:
            list[str]: Lines for ``repr``.
        """
        return super().extra_repr() + [
            f'{name}: \t{getattr(self, name)}' for name in self.REPR_ATTRS
        ]

"""ML-GCN's json annotation format (``category.json`` + ``*_anno.json``)."""
import json
import os.path as osp
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from mmengine.logging import MMLogger
from mmpretrain.datasets import MultiLabelDataset

from mmmlc.registry import DATASETS
from .base import (check_classes_match, check_files_exist, require_dir,
                   require_file)


def _load_json(path: str, what: str) -> Any:
    """Load a json file, naming it on failure.

    Args:
        path (str): File to read.
        what (str): What it should contain, for the message.

    Returns:
        Any: The decoded json.
    """
    require_file(path, what)
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f'Malformed json in {path} ({what}): {err}') from err


@DATASETS.register_module()
class MLGCNJsonDataset(MultiLabelDataset):
    """Multi-label json files in the format of `ML-GCN`_ (Chen et al. 2019).

    ML-GCN's COCO script writes, into its ``data/`` folder:

    - ``category.json``: ``{"airplane": 0, "apple": 1, ...}``, class name to
      index; ML-GCN numbers the 80 COCO names in alphabetical order.
    - ``train_anno.json`` / ``val_anno.json``: a list of
      ``{"file_name": "COCO_train2014_000000000009.jpg", "labels": [45, 49,
      50]}``, one entry per image that has at least one annotation, labels
      being indices of ``category.json``;
    - images under ``train2014/`` and ``val2014/``.

    The same files work for any dataset written in this format. Classes are
    the names of ``category.json`` ordered by index; the indices must be
    exactly ``0..C-1``. ``gt_label`` is the sorted set of an entry's labels
    (an entry with an empty list is kept with no positive). Out-of-range or
    non-integer labels are an error naming the file and the entry.

    Example (ML-GCN's ``data/coco/data`` folder)::

        MLGCNJsonDataset(data_root='data/coco/data',
                         ann_file='val_anno.json',
                         data_prefix=dict(img_path='val2014'))

    .. _ML-GCN: https://github.com/megvii-research/ML-GCN

    Args:
        data_root (str): Folder holding the json files and image folders.
        ann_file (str): Annotation list, relative to ``data_root``.
            Defaults to ``'train_anno.json'``.
        category_file (str): Class-name-to-index json, relative to
            ``data_root`` unless absolute. Defaults to ``'category.json'``.
        data_prefix (dict, optional): ``dict(img_path=...)``, the image
            folder relative to ``data_root``. Defaults to
            ``dict(img_path='train2014')``.
        metainfo (dict, optional): If it has ``classes``, they must equal the
            classes of ``category_file``. Defaults to None.
        filter_cfg (dict, optional): mmengine filter config. Defaults to None.
        indices (int | Sequence[int], optional): Keep only these samples.
            Defaults to None.
        serialize_data (bool): Serialize the data list. Defaults to True.
        pipeline (Sequence[dict | Callable]): Transforms. Defaults to ().
        test_mode (bool): mmengine test mode. Defaults to False.
        lazy_init (bool): Defer reading the files. Defaults to False.
        max_refetch (int): mmengine refetch limit. Defaults to 1000.
    """

    def __init__(self,
                 data_root: str,
                 ann_file: str = 'train_anno.json',
                 category_file: str = 'category.json',
                 data_prefix: Optional[Dict[str, str]] = None,
                 metainfo: Optional[dict] = None,
                 filter_cfg: Optional[dict] = None,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000):
        if data_root and not osp.isabs(category_file):
            category_file = osp.join(data_root, category_file)
        self.category_file = category_file
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix={'img_path': 'train2014', **(data_prefix or {})},
            filter_cfg=filter_cfg,
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch)

    def load_data_list(self) -> List[dict]:
        """Read ``category_file`` and ``ann_file``.

        Returns:
            list[dict]: One data_info per entry of ``ann_file``, in order.
        """
        require_dir(self.data_root, 'the ML-GCN data folder')
        img_dir = self.data_prefix['img_path']
        require_dir(img_dir, 'the image folder (e.g. train2014/)')
        classes = self._read_classes()
        check_classes_match(self._metainfo.get('classes'), classes,
                            self.category_file)
        self._metainfo['classes'] = classes

        entries = _load_json(
            self.ann_file, 'an ML-GCN annotation list '
            '([{"file_name": ..., "labels": [...]}, ...])')
        if not isinstance(entries, list):
            raise ValueError(f'{self.ann_file}: expected a json list of '
                             f'entries, got {type(entries).__name__}.')
        data_list = [
            self._parse_entry(i, entry, len(classes), img_dir)
            for i, entry in enumerate(entries)
        ]
        check_files_exist([info['img_path'] for info in data_list],
                          self.ann_file)
        MMLogger.get_current_instance().info(
            f'MLGCNJsonDataset: {len(data_list)} images, {len(classes)} '
            f'classes from {self.ann_file}.')
        return data_list

    def _read_classes(self) -> tuple:
        """Read ``category_file`` into class names ordered by index.

        Returns:
            tuple[str]: Class names, index ``i`` at position ``i``.
        """
        cat2idx = _load_json(self.category_file,
                             'an ML-GCN category.json ({name: index})')
        if not isinstance(cat2idx, dict) or not all(
                isinstance(v, int) and not isinstance(v, bool)
                for v in cat2idx.values()):
            raise ValueError(f'{self.category_file}: expected a json object '
                             'mapping class name to integer index.')
        if sorted(cat2idx.values()) != list(range(len(cat2idx))):
            raise ValueError(
                f'{self.category_file}: class indices must be exactly '
                f'0..{len(cat2idx) - 1}, got {sorted(cat2idx.values())}.')
        return tuple(sorted(cat2idx, key=cat2idx.get))

    def _parse_entry(self, index: int, entry: Any, num_classes: int,
                     img_dir: str) -> dict:
        """Validate one entry of ``ann_file`` and build its data_info.

        Args:
            index (int): Position of the entry in the list.
            entry (Any): The decoded entry.
            num_classes (int): Number of classes.
            img_dir (str): Image folder.

        Returns:
            dict: The data_info.
        """
        if (not isinstance(entry, dict)
                or not isinstance(entry.get('file_name'), str)
                or not isinstance(entry.get('labels'), list)):
            raise ValueError(
                f'{self.ann_file}: entry {index} is {entry!r}, expected '
                '{"file_name": str, "labels": [int, ...]}.')
        labels = entry['labels']
        for label in labels:
            if (not isinstance(label, int) or isinstance(label, bool)
                    or not 0 <= label < num_classes):
                raise ValueError(
                    f'{self.ann_file}: entry {index} '
                    f'({entry["file_name"]!r}) has label {label!r}, expected '
                    f'an integer in [0, {num_classes}) as defined by '
                    f'{self.category_file}.')
        return dict(
            img_path=osp.join(img_dir, entry['file_name']),
            gt_label=sorted(set(labels)))

    def extra_repr(self) -> List[str]:
        """Describe the files this dataset reads.

        Returns:
            list[str]: Lines for ``repr``.
        """
        return [
            f'Annotation file: \t{self.ann_file}',
            f'Category file: \t{self.category_file}',
            f'Prefix of images: \t{self.data_prefix["img_path"]}',
        ]

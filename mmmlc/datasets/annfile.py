"""ML-GCN's json annotation format (``category.json`` + ``*_anno.json``)."""
import os.path as osp
from typing import Any, Dict, List, Optional

from mmmlc.registry import DATASETS
from .base import MultiLabelFileDataset, join_root, load_json


@DATASETS.register_module()
class MLGCNJsonDataset(MultiLabelFileDataset):
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
        **kwargs: :class:`MultiLabelFileDataset`'s loading arguments
            (``pipeline``, ``test_mode``, ``lazy_init``, ``indices``, ...).
    """

    FOLDERS = dict(
        img_path=('train2014', 'the image folder (e.g. train2014/)'))
    REPR_ATTRS = ('category_file', )

    def __init__(self,
                 data_root: str,
                 ann_file: str = 'train_anno.json',
                 category_file: str = 'category.json',
                 data_prefix: Optional[Dict[str, str]] = None,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        self.category_file = join_root(data_root, category_file)
        super().__init__(ann_file, data_root, data_prefix, metainfo, **kwargs)

    def parse_annotations(self) -> List[dict]:
        """Read ``category_file`` and ``ann_file``.

        Returns:
            list[dict]: One data_info per entry of ``ann_file``, in order.
        """
        classes = self._read_classes()
        self._set_classes(classes, defined_by=self.category_file)
        entries = load_json(
            self.ann_file, 'an ML-GCN annotation list '
            '([{"file_name": ..., "labels": [...]}, ...])')
        if not isinstance(entries, list):
            raise ValueError(f'{self.ann_file}: expected a json list of '
                             f'entries, got {type(entries).__name__}.')
        img_dir = self.data_prefix['img_path']
        return [
            self._parse_entry(i, entry, len(classes), img_dir)
            for i, entry in enumerate(entries)
        ]

    def _read_classes(self) -> tuple:
        """Read ``category_file`` into class names ordered by index.

        Returns:
            tuple[str]: Class names, index ``i`` at position ``i``.
        """
        cat2idx = load_json(self.category_file,
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

"""MS-COCO instances annotations as a multi-label dataset."""
import contextlib
import io
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
from mmengine.logging import MMLogger
from pycocotools.coco import COCO

from mmmlc.registry import DATASETS
from .base import (MultiLabelFileDataset, boxes_to_array, load_json,
                   require_choice)

CLASS_ORDERS = ('category_id', 'alphabetical')


@DATASETS.register_module()
class COCODataset(MultiLabelFileDataset):
    """`MS-COCO <https://cocodataset.org>`_ instances json, via pycocotools.

    An image's ``gt_label`` is the set of categories of all its annotations,
    crowd annotations included (as ML-GCN builds its labels). Images without
    any annotation are dropped by default (and the number is logged): COCO
    2014 then has 82,081 of 82,783 train images and 40,137 of 40,504 val
    images, the split sizes used by ML-GCN, SALGL and MulCon. They are
    dropped while parsing, so their image files need not exist.

    Class order (``metainfo['classes']`` is set from the json):

    - ``'category_id'``: categories sorted by COCO id (1, 2, ..., 90 with
      gaps) are indices 0..79. This is COCO's own order.
    - ``'alphabetical'``: categories sorted by name (``'airplane'`` is 0),
      the order of ML-GCN's ``category.json``; use it to compare with
      checkpoints or label files made by ML-GCN-derived code.

    Boxes: ``bbox`` ``[x, y, w, h]`` becomes ``x1, y1, x2, y2 = x, y, x + w,
    y + h`` (float32 pixels), with ``gt_bboxes_labels`` (int64) and
    ``gt_bboxes_crowd`` (bool). ``img_id`` (COCO image id), ``width`` and
    ``height`` come from the ``images`` entry.

    Example::

        COCODataset(data_root='data/coco',
                    ann_file='annotations/instances_train2014.json',
                    data_prefix=dict(img_path='train2014'))

    Args:
        ann_file (str): ``instances_*.json``, relative to ``data_root``
            unless absolute.
        data_root (str): Root for ``ann_file`` and ``data_prefix``.
            Defaults to ''.
        data_prefix (dict, optional): ``dict(img_path=...)``, the image
            folder. Defaults to None (images directly in ``data_root``).
        class_order (str): ``'category_id'`` or ``'alphabetical'``.
            Defaults to ``'category_id'``.
        drop_empty (bool): Drop images with no annotation. Defaults to True.
        metainfo (dict, optional): If it has ``classes``, they must equal the
            classes derived from the json (in ``class_order``); the json
            defines the label space. With ``lazy_init=True`` the classes are
            only known after ``full_init()``. Defaults to None.
        **kwargs: :class:`MultiLabelFileDataset`'s loading arguments
            (``pipeline``, ``test_mode``, ``lazy_init``, ``indices``, ...).
    """

    FOLDERS = dict(img_path=('', 'the COCO image folder (e.g. train2014/)'))
    REPR_ATTRS = ('class_order', 'drop_empty')

    def __init__(self,
                 ann_file: str,
                 data_root: str = '',
                 data_prefix: Optional[Dict[str, str]] = None,
                 class_order: str = 'category_id',
                 drop_empty: bool = True,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        require_choice(class_order, CLASS_ORDERS, 'class_order')
        self.class_order = class_order
        self.drop_empty = drop_empty
        super().__init__(ann_file, data_root, data_prefix, metainfo, **kwargs)

    def parse_annotations(self) -> List[dict]:
        """Read the json, derive classes and one data_info per image.

        Returns:
            list[dict]: data_infos in the order of the json's ``images``.
        """
        coco = self._load_coco()
        categories = sorted(coco.dataset['categories'], key=lambda c: c['id'])
        names = [cat['name'] for cat in categories]
        if len(set(names)) != len(names):
            raise ValueError(f'{self.ann_file}: duplicate category names in '
                             f'{names}.')
        if self.class_order == 'alphabetical':
            names = sorted(names)
        name_to_idx = self._set_classes(names, defined_by=self.ann_file)
        cat_to_idx = {c['id']: name_to_idx[c['name']] for c in categories}

        data_list, num_empty = [], 0
        for img in coco.dataset['images']:
            anns = coco.imgToAnns.get(img['id'], [])
            if not anns and self.drop_empty:
                num_empty += 1
                continue
            data_list.append(self._parse_image(img, anns, cat_to_idx))
        MMLogger.get_current_instance().info(
            f'COCODataset: {num_empty} images without annotations dropped '
            f'(drop_empty={self.drop_empty}, '
            f'class_order={self.class_order}).')
        return data_list

    def _load_coco(self) -> COCO:
        """Load and validate the json, then index it with pycocotools.

        Returns:
            pycocotools.coco.COCO: The indexed annotations.
        """
        dataset = load_json(self.ann_file, 'a COCO instances_*.json')
        if not isinstance(dataset, dict) or not all(
                key in dataset
                for key in ('images', 'annotations', 'categories')):
            raise ValueError(
                f'{self.ann_file}: expected a COCO instances json with keys '
                "'images', 'annotations' and 'categories' (image-info files "
                'of test splits carry no labels).')
        for img in dataset['images']:
            missing = {'id', 'file_name', 'width', 'height'} - set(img)
            if missing:
                raise ValueError(f'{self.ann_file}: image entry {img} lacks '
                                 f'{sorted(missing)}.')
        img_ids = {img['id'] for img in dataset['images']}
        cat_ids = {cat['id'] for cat in dataset['categories']}
        for ann in dataset['annotations']:
            if ann.get('image_id') not in img_ids:
                raise ValueError(
                    f'{self.ann_file}: annotation {ann.get("id")} refers to '
                    f'unknown image id {ann.get("image_id")}.')
            if ann.get('category_id') not in cat_ids:
                raise ValueError(
                    f'{self.ann_file}: annotation {ann.get("id")} has unknown '
                    f'category id {ann.get("category_id")}; known ids are '
                    f'{sorted(cat_ids)}.')
        coco = COCO()
        coco.dataset = dataset
        # pycocotools prints its progress; keep stdout clean.
        with contextlib.redirect_stdout(io.StringIO()):
            coco.createIndex()
        return coco

    def _parse_image(self, img: dict, anns: List[dict],
                     cat_to_idx: Dict[int, int]) -> dict:
        """Build the data_info of one image.

        Args:
            img (dict): The json's ``images`` entry.
            anns (list[dict]): Its annotations.
            cat_to_idx (dict[int, int]): COCO category id -> class index.

        Returns:
            dict: The data_info.
        """
        boxes = []
        for ann in anns:
            bbox = ann.get('bbox')
            if not isinstance(bbox, (list, tuple)) or len(bbox) != 4:
                raise ValueError(
                    f'{self.ann_file}: annotation {ann.get("id")} of image '
                    f'{img["file_name"]!r} has bbox {bbox!r}, expected '
                    '[x, y, w, h].')
            x, y, w, h = (float(v) for v in bbox)
            boxes.append((x, y, x + w, y + h))
        labels = [cat_to_idx[ann['category_id']] for ann in anns]
        return dict(
            img_path=osp.join(self.data_prefix['img_path'], img['file_name']),
            img_id=img['id'],
            width=int(img['width']),
            height=int(img['height']),
            gt_label=sorted(set(labels)),
            gt_bboxes=boxes_to_array(boxes, img['file_name'], self.ann_file),
            gt_bboxes_labels=np.asarray(labels, dtype=np.int64),
            gt_bboxes_crowd=np.asarray(
                [bool(ann.get('iscrowd', 0)) for ann in anns], dtype=bool))

"""MS-COCO instances annotations as a multi-label dataset."""
import contextlib
import io
import json
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import MMLogger
from mmpretrain.datasets import MultiLabelDataset
from pycocotools.coco import COCO

from mmmlc.registry import DATASETS
from .base import (boxes_to_array, check_classes_match, check_files_exist,
                   require_dir, require_file)

CLASS_ORDERS = ('category_id', 'alphabetical')


@DATASETS.register_module()
class COCODataset(MultiLabelDataset):
    """`MS-COCO <https://cocodataset.org>`_ instances json, via pycocotools.

    An image's ``gt_label`` is the set of categories of all its annotations,
    crowd annotations included (as ML-GCN builds its labels). Images without
    any annotation are dropped by default (and the number is logged): COCO
    2014 then has 82,081 of 82,783 train images and 40,137 of 40,504 val
    images, the split sizes used by ML-GCN, SALGL and MulCon.

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
            defines the label space. Defaults to None.
        filter_cfg (dict, optional): mmengine filter config. Defaults to None.
        indices (int | Sequence[int], optional): Keep only these samples.
            Defaults to None.
        serialize_data (bool): Serialize the data list. Defaults to True.
        pipeline (Sequence[dict | Callable]): Transforms. Defaults to ().
        test_mode (bool): mmengine test mode. Defaults to False.
        lazy_init (bool): Defer reading the files; ``metainfo['classes']`` is
            then only known after ``full_init()``. Defaults to False.
        max_refetch (int): mmengine refetch limit. Defaults to 1000.
    """

    def __init__(self,
                 ann_file: str,
                 data_root: str = '',
                 data_prefix: Optional[Dict[str, str]] = None,
                 class_order: str = 'category_id',
                 drop_empty: bool = True,
                 metainfo: Optional[dict] = None,
                 filter_cfg: Optional[dict] = None,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000):
        if class_order not in CLASS_ORDERS:
            raise ValueError(f'class_order must be one of {CLASS_ORDERS}, '
                             f'got {class_order!r}.')
        self.class_order = class_order
        self.drop_empty = drop_empty
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix={'img_path': '', **(data_prefix or {})},
            filter_cfg=filter_cfg,
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch)

    def load_data_list(self) -> List[dict]:
        """Read the json, derive classes and one data_info per image.

        Returns:
            list[dict]: data_infos in the order of the json's ``images``.
        """
        if self.data_root:
            require_dir(self.data_root, 'the COCO data_root')
        require_file(self.ann_file, 'a COCO instances_*.json')
        img_dir = self.data_prefix['img_path']
        require_dir(img_dir or '.', 'the COCO image folder (e.g. train2014/)')

        coco = self._load_coco()
        categories = sorted(coco.dataset['categories'], key=lambda c: c['id'])
        names = [cat['name'] for cat in categories]
        if len(set(names)) != len(names):
            raise ValueError(f'{self.ann_file}: duplicate category names in '
                             f'{names}.')
        if self.class_order == 'alphabetical':
            names = sorted(names)
        check_classes_match(self._metainfo.get('classes'), names,
                            self.ann_file)
        self._metainfo['classes'] = tuple(names)
        name_to_idx = {name: i for i, name in enumerate(names)}
        cat_to_idx = {c['id']: name_to_idx[c['name']] for c in categories}

        data_list, num_empty = [], 0
        for img in coco.dataset['images']:
            anns = coco.imgToAnns.get(img['id'], [])
            if not anns and self.drop_empty:
                num_empty += 1
                continue
            data_list.append(self._parse_image(img, anns, cat_to_idx, img_dir))
        check_files_exist([info['img_path'] for info in data_list],
                          self.ann_file)
        MMLogger.get_current_instance().info(
            f'COCODataset: {len(data_list)} images from {self.ann_file} '
            f'({num_empty} without annotations dropped; '
            f'drop_empty={self.drop_empty}, class_order={self.class_order}).')
        return data_list

    def _load_coco(self) -> COCO:
        """Load and validate the json, then index it with pycocotools.

        Returns:
            pycocotools.coco.COCO: The indexed annotations.
        """
        try:
            with open(self.ann_file, encoding='utf-8') as f:
                dataset = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(
                f'Malformed COCO json {self.ann_file}: {err}') from err
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
                     cat_to_idx: Dict[int, int], img_dir: str) -> dict:
        """Build the data_info of one image.

        Args:
            img (dict): The json's ``images`` entry.
            anns (list[dict]): Its annotations.
            cat_to_idx (dict[int, int]): COCO category id -> class index.
            img_dir (str): Image folder.

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
            img_path=osp.join(img_dir, img['file_name']),
            img_id=img['id'],
            width=int(img['width']),
            height=int(img['height']),
            gt_label=sorted(set(labels)),
            gt_bboxes=boxes_to_array(boxes, img['file_name'], self.ann_file),
            gt_bboxes_labels=np.asarray(labels, dtype=np.int64),
            gt_bboxes_crowd=np.asarray(
                [bool(ann.get('iscrowd', 0)) for ann in anns], dtype=bool))

    def extra_repr(self) -> List[str]:
        """Describe the files this dataset reads.

        Returns:
            list[str]: Lines for ``repr``.
        """
        return [
            f'Annotation file: \t{self.ann_file}',
            f'Prefix of images: \t{self.data_prefix["img_path"]}',
            f'Class order: \t{self.class_order}',
        ]

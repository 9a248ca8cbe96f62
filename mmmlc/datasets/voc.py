"""Pascal VOC (2007 / 2012 devkit layout) as a multi-label dataset."""
import os.path as osp
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional

import numpy as np
from mmengine.logging import MMLogger

from mmmlc.registry import DATASETS
from .base import (MultiLabelFileDataset, boxes_to_array, class_index,
                   read_lines)

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
               'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse',
               'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
               'tvmonitor')

# data_info keys written by VOCDataset; ``parse_extra`` may not overwrite them.
_CORE_KEYS = ('img_path', 'img_id', 'width', 'height', 'gt_label',
              'gt_label_difficult', 'gt_bboxes', 'gt_bboxes_labels',
              'gt_bboxes_difficult')


@DATASETS.register_module()
class VOCDataset(MultiLabelFileDataset):
    """`Pascal VOC <http://host.robots.ox.ac.uk/pascal/VOC/>`_ devkit layout.

    Reads ``data_root/<ann_file>`` (one image id per line, e.g.
    ``ImageSets/Main/trainval.txt`` or VOC2012's
    ``ImageSets/Segmentation/train_aug.txt``), then for every id the XML
    ``<ann_path>/<id>.xml`` and the image ``<img_path>/<id>.jpg``::

        data_root/
            Annotations/<id>.xml
            JPEGImages/<id>.jpg
            ImageSets/Main/{train,val,trainval,test}.txt

    DeepLab/SBD-style lists (``/JPEGImages/<id>.jpg /SegmentationClassAug/
    <id>.png`` per line, as in the common ``train_aug.txt``) are read by the
    image name. Class-specific lists (``ImageSets/Main/<class>_<split>.txt``,
    an id and a 1/-1/0 flag) are not image lists and are rejected.

    Labels. ``gt_label`` holds the classes with at least one non-difficult
    object; ``gt_label_difficult`` the classes present *only* as difficult
    objects (the usual VOC evaluation ignores them). With
    ``difficult_as_positive=True`` those classes are also put in ``gt_label``
    (as SALGL and MulCon train) and ``gt_label_difficult`` is empty. An image
    whose objects are all difficult keeps an empty ``gt_label``; it is not
    dropped.

    Boxes. Every object, difficult or not, is in ``gt_bboxes`` (float32
    ``(N, 4)``), ``gt_bboxes_labels`` (int64) and ``gt_bboxes_difficult``
    (bool). VOC stores inclusive 1-based pixel indices, so a box covering
    pixel columns ``xmin..xmax`` becomes the continuous 0-based box
    ``x1 = xmin - 1, y1 = ymin - 1, x2 = xmax, y2 = ymax`` (width
    ``xmax - xmin + 1``). Writers of VOC-layout data (DigitScenes) use the
    inverse. ``img_id``, ``width`` and ``height`` (from ``<size>``) are
    recorded too, and ``parse_extra`` lets a subclass read more elements.
    (mmpretrain's ``VOC`` is not used: it reads no boxes, which the
    object-aware crops need.)

    Args:
        data_root (str): VOC devkit folder, e.g. ``data/VOCdevkit/VOC2007``.
        ann_file (str): Image-id list relative to ``data_root``.
            Defaults to ``'ImageSets/Main/trainval.txt'``.
        data_prefix (dict, optional): ``img_path`` and ``ann_path`` folders
            relative to ``data_root``; missing keys default to
            ``dict(img_path='JPEGImages', ann_path='Annotations')``.
        difficult_as_positive (bool): Count difficult-only classes as
            positives. Defaults to False.
        metainfo (dict, optional): ``dict(classes=...)`` replaces the 20 VOC
            classes (in the standard order); an object of any other class is
            an error. Defaults to None.
        **kwargs: :class:`MultiLabelFileDataset`'s loading arguments
            (``pipeline``, ``test_mode``, ``lazy_init``, ``indices``, ...).
    """

    METAINFO = {'classes': VOC_CLASSES}
    FOLDERS = dict(
        img_path=('JPEGImages', 'the VOC image folder'),
        ann_path=('Annotations', 'the VOC XML folder'))
    REPR_ATTRS = ('data_prefix', 'difficult_as_positive')

    def __init__(self,
                 data_root: str,
                 ann_file: str = 'ImageSets/Main/trainval.txt',
                 data_prefix: Optional[Dict[str, str]] = None,
                 difficult_as_positive: bool = False,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        self.difficult_as_positive = difficult_as_positive
        super().__init__(ann_file, data_root, data_prefix, metainfo, **kwargs)

    def parse_annotations(self) -> List[dict]:
        """Read the image list and every XML.

        Returns:
            list[dict]: One data_info per listed image, in list order.
        """
        self._class_to_idx = self._set_classes(self._metainfo['classes'])
        data_list = [
            self.parse_xml(img_id) for img_id in self._read_image_ids()
        ]
        num_difficult = sum(
            len(info['gt_label_difficult']) > 0 for info in data_list)
        MMLogger.get_current_instance().info(
            f'{type(self).__name__}: {num_difficult} images have '
            'difficult-only classes '
            f'(difficult_as_positive={self.difficult_as_positive}).')
        return data_list

    def _read_image_ids(self) -> List[str]:
        """Read the image ids of ``ann_file``, rejecting multi-column lines.

        Returns:
            list[str]: Image ids in file order.
        """
        lines = read_lines(self.ann_file,
                           'a VOC image list (one image id per line)')
        img_ids = []
        for line_no, line in enumerate(lines, start=1):
            fields = line.split()
            if len(fields) == 1:
                img_ids.append(fields[0])
            elif len(fields) == 2 and fields[0].lower().endswith('.jpg'):
                # DeepLab/SBD-style train_aug.txt: "/JPEGImages/<id>.jpg
                # /SegmentationClassAug/<id>.png".
                img_ids.append(osp.splitext(osp.basename(fields[0]))[0])
            else:
                raise ValueError(
                    f'{self.ann_file}: line {line_no} is {line!r}, expected '
                    'one image id per line (or DeepLab-style "<image>.jpg '
                    '<mask>.png" pairs). Class-specific files '
                    '(<class>_<split>.txt) are not image lists; use '
                    'ImageSets/Main/<split>.txt.')
        return img_ids

    def parse_xml(self, img_id: str) -> dict:
        """Parse ``<ann_path>/<img_id>.xml`` into a data_info.

        Args:
            img_id (str): Image id from the list file.

        Returns:
            dict: The data_info of this image (see the class docstring), with
            the entries of :meth:`parse_extra` merged in.
        """
        xml_path = osp.join(self.data_prefix['ann_path'], f'{img_id}.xml')
        if not osp.isfile(xml_path):
            raise FileNotFoundError(
                f'Expected the VOC annotation {xml_path!r} of image id '
                f'{img_id!r} listed in {self.ann_file}, but it does not '
                'exist.')
        try:
            root = ET.parse(xml_path).getroot()
        except ET.ParseError as err:
            raise ValueError(f'Malformed XML in {xml_path}: {err}') from err

        size = _child(root, 'size', xml_path)
        width = int(_number(size, 'width', xml_path))
        height = int(_number(size, 'height', xml_path))

        boxes, box_labels, box_difficult = [], [], []
        for obj in root.findall('object'):
            name = (_child(obj, 'name', xml_path).text or '').strip()
            label = class_index(name, self._class_to_idx, xml_path)
            # Some VOC2012 XMLs omit <difficult>; absent means 0.
            difficult = (
                obj.find('difficult') is not None
                and int(_number(obj, 'difficult', xml_path)) == 1)
            bndbox = _child(obj, 'bndbox', xml_path)
            xmin, ymin, xmax, ymax = (
                _number(bndbox, key, xml_path)
                for key in ('xmin', 'ymin', 'xmax', 'ymax'))
            if xmax < xmin or ymax < ymin:
                raise ValueError(
                    f'{xml_path}: object {name!r} of image {img_id!r} has '
                    f'xmax < xmin or ymax < ymin ({xmin}, {ymin}, {xmax}, '
                    f'{ymax}).')
            boxes.append((xmin - 1, ymin - 1, xmax, ymax))
            box_labels.append(label)
            box_difficult.append(difficult)

        positive = {lb for lb, d in zip(box_labels, box_difficult) if not d}
        difficult_only = set(box_labels) - positive
        if self.difficult_as_positive:
            positive |= difficult_only
            difficult_only = set()

        info = dict(
            img_path=osp.join(self.data_prefix['img_path'], f'{img_id}.jpg'),
            img_id=img_id,
            width=width,
            height=height,
            gt_label=sorted(positive),
            gt_label_difficult=sorted(difficult_only),
            gt_bboxes=boxes_to_array(boxes, img_id, xml_path),
            gt_bboxes_labels=np.asarray(box_labels, dtype=np.int64),
            gt_bboxes_difficult=np.asarray(box_difficult, dtype=bool))
        extra = self.parse_extra(root)
        clash = set(extra) & set(_CORE_KEYS)
        if clash:
            raise KeyError(f'parse_extra may not overwrite {sorted(clash)} '
                           f'(while reading {xml_path}).')
        info.update(extra)
        return info

    def parse_extra(self, root: ET.Element) -> dict:
        """Read dataset-specific XML elements (hook for subclasses).

        Args:
            root (xml.etree.ElementTree.Element): The ``<annotation>`` root.

        Returns:
            dict: Entries merged into the image's data_info. The base class
            reads nothing and returns ``{}``.
        """
        return {}


def _child(elem: ET.Element, tag: str, xml_path: str) -> ET.Element:
    """Return the child ``tag`` of ``elem`` or fail naming the file.

    Args:
        elem (xml.etree.ElementTree.Element): Parent element.
        tag (str): Child tag.
        xml_path (str): File being read, for the message.

    Returns:
        xml.etree.ElementTree.Element: The child.
    """
    child = elem.find(tag)
    if child is None:
        raise ValueError(
            f'{xml_path}: <{elem.tag}> has no <{tag}> element.')
    return child


def _number(elem: ET.Element, tag: str, xml_path: str) -> float:
    """Read the numeric text of child ``tag`` or fail naming the file.

    Args:
        elem (xml.etree.ElementTree.Element): Parent element.
        tag (str): Child tag.
        xml_path (str): File being read, for the message.

    Returns:
        float: The number.
    """
    text = (_child(elem, tag, xml_path).text or '').strip()
    try:
        return float(text)
    except ValueError as err:
        raise ValueError(f'{xml_path}: <{tag}> of <{elem.tag}> is {text!r}, '
                         'expected a number.') from err

"""OpenImages OHMS subset of Object-aware cropping (Mishra et al. 2022)."""
import os.path as osp
import pickle
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import MMLogger
from PIL import Image, UnidentifiedImageError

from mmmlc.registry import DATASETS
from .base import (MultiLabelFileDataset, boxes_to_array, join_root,
                   load_json, require_file)

# Columns of a row of images_selected_with_all_features (an OpenImages
# *-annotations-bbox.csv row): LabelName, XMin, XMax, YMin, YMax.
_MID, _XMIN, _XMAX, _YMIN, _YMAX = 2, 4, 5, 6, 7


def load_pickled_dict(path: str, what: str) -> dict:
    """Load a dict pickled inside a ``.npy`` file (the OHMS release format).

    ``allow_pickle=True`` runs the file's pickle: only the dataset's own
    files are read, and only because the user's config points at them.

    Args:
        path (str): The ``.npy`` file.
        what (str): What it should contain, for the message.

    Returns:
        dict: The stored dict.
    """
    require_file(path, what)
    try:
        array = np.load(path, allow_pickle=True)
    except (OSError, ValueError, EOFError, pickle.UnpicklingError) as err:
        raise ValueError(f'Cannot read {path} ({what}): {err}') from err
    if not (isinstance(array, np.ndarray) and array.shape == ()
            and isinstance(array.item(), dict)):
        raise ValueError(f'{path}: expected {what}, i.e. a dict saved with '
                         'np.save, got something else.')
    return array.item()


def _check_label_dict(label_dict: dict, path: str) -> dict:
    """Check that a label dict maps ImageID strings to lists of MIDs.

    Args:
        label_dict (dict): The loaded dict.
        path (str): Its file, for the message.

    Returns:
        dict: ``label_dict`` unchanged.
    """
    for image_id, mids in label_dict.items():
        if (not isinstance(image_id, str)
                or not isinstance(mids, (list, tuple, np.ndarray))
                or not all(isinstance(mid, str) for mid in mids)):
            raise ValueError(
                f'{path}: entry {image_id!r}: {mids!r} is not ImageID (str) '
                '-> list of MID strings.')
    return label_dict


def read_image_sizes(img_paths: Sequence[str]) -> List[Tuple[int, int]]:
    """Read ``(width, height)`` of images from their headers (no decoding).

    PIL reports the stored size, *without* EXIF orientation, which is the
    frame the reference code (PIL, no transpose) maps normalised boxes to.

    Args:
        img_paths (Sequence[str]): Image files.

    Returns:
        list[tuple[int, int]]: ``(width, height)`` per image.
    """
    sizes = []
    for path in img_paths:
        try:
            with Image.open(path) as img:
                sizes.append(img.size)
        except (OSError, UnidentifiedImageError) as err:
            raise ValueError(
                f'Cannot read the image size of {path}: {err}') from err
    return sizes


@DATASETS.register_module()
class OpenImagesOHMSDataset(MultiLabelFileDataset):
    """OpenImages multi-object subset "OHMS" of Object-aware cropping.

    Files (the release's pickled dicts; docs/reference/object_aware_cropping.md
    describes how the reference code reads them):

    - ``ann_file``: ``{ImageID: [MID, ...]}``, the images of this split and
      their labels (``images_selected_new.npy`` for train,
      ``images_selected_test_40k.npy`` for test).
    - ``label_file``: the dict that defines the label space, always the
      *train* dict ``images_selected_new.npy``. Class ``i`` is the ``i``-th
      distinct MID in order of first appearance (dict order, then list
      order), as the reference builds it; ``metainfo['classes']`` is that
      tuple of MIDs and ``num_classes`` is its length (data-driven: the
      reference's head has 576 outputs, its README says 208 classes). A MID
      of ``ann_file`` absent from ``label_file`` is an error.
    - ``box_file`` (optional): ``images_selected_with_all_features.npy``,
      ``{ImageID: {'data': [row, ...]}}`` with one row per ground-truth
      object: ``row[2]`` the MID, ``row[4:8]`` XMin, XMax, YMin, YMax
      normalised to [0, 1] (numbers or strings). Every row becomes a box; a
      row whose MID is not in the label space keeps its box with
      ``gt_bboxes_labels = -1`` (the object crop uses every row, as the
      reference does) and the number of such rows is logged. A listed image
      absent from ``box_file`` is an error.

    Images are ``<img_path>/<ImageID>.jpg``. Box pixels need each image's
    size. Sizes come from ``image_sizes`` (a json ``{ImageID: [width,
    height]}``) when given; otherwise from every JPEG header with PIL at
    load time, which opens each file but does not decode it (one file open
    per image: for the 212,753 OHMS train images write the json once with
    :func:`read_image_sizes` and pass it). Sizes are the stored JPEG
    size without EXIF rotation (the reference's frame); load images with
    ``LoadImageFromFile(color_type='color_ignore_orientation')`` to match.
    Boxes are ``x1 = XMin * W, y1 = YMin * H, x2 = XMax * W, y2 = YMax * H``
    as float32 pixels, not floored: the crop transforms apply the
    reference's flooring. ``img_id`` is the ImageID; ``width``/``height`` are
    recorded when boxes are loaded.

    Args:
        data_root (str): Root for the relative paths below. Defaults to ''.
        ann_file (str): Label dict of this split. Defaults to
            ``'images_selected_new.npy'``.
        label_file (str): Label dict defining the label space (the train
            dict). Defaults to ``'images_selected_new.npy'``.
        box_file (str, optional): Object rows dict; None loads no boxes.
            Defaults to None.
        image_sizes (str, optional): json ``{ImageID: [width, height]}``;
            None reads JPEG headers. Only used with ``box_file``. Defaults
            to None.
        data_prefix (dict, optional): ``dict(img_path=...)``. Defaults to
            ``dict(img_path='all_images')`` (the train images).
        metainfo (dict, optional): If it has ``classes``, they must equal the
            label space of ``label_file``. Defaults to None.
        **kwargs: :class:`MultiLabelFileDataset`'s loading arguments
            (``pipeline``, ``test_mode``, ``lazy_init``, ``indices``, ...).
    """

    FOLDERS = dict(img_path=('all_images', 'the OpenImages image folder'))
    REPR_ATTRS = ('label_file', 'box_file', 'image_sizes')

    def __init__(self,
                 data_root: str = '',
                 ann_file: str = 'images_selected_new.npy',
                 label_file: str = 'images_selected_new.npy',
                 box_file: Optional[str] = None,
                 image_sizes: Optional[str] = None,
                 data_prefix: Optional[Dict[str, str]] = None,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        self.label_file = join_root(data_root, label_file)
        self.box_file = join_root(data_root, box_file)
        self.image_sizes = join_root(data_root, image_sizes)
        super().__init__(ann_file, data_root, data_prefix, metainfo, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the label dicts, check the images exist, then add boxes.

        Returns:
            list[dict]: One data_info per ImageID of ``ann_file``, in order.
        """
        data_list = super().load_data_list()
        if self.box_file is not None:
            self._add_boxes(data_list)
        return data_list

    def parse_annotations(self) -> List[dict]:
        """Read the label dicts into data_infos without boxes.

        Returns:
            list[dict]: One data_info per ImageID of ``ann_file``, in order.
        """
        label_dict = _check_label_dict(
            load_pickled_dict(
                self.label_file,
                'the OHMS train label dict {ImageID: [MID, ...]}'),
            self.label_file)
        classes = tuple(
            dict.fromkeys(mid for mids in label_dict.values() for mid in mids))
        class_to_idx = self._set_classes(classes, defined_by=self.label_file)

        if self.ann_file == self.label_file:
            ann_dict = label_dict
        else:
            ann_dict = _check_label_dict(
                load_pickled_dict(self.ann_file,
                                  'an OHMS label dict {ImageID: [MID, ...]}'),
                self.ann_file)
        data_list = []
        for image_id, mids in ann_dict.items():
            unknown = [mid for mid in mids if mid not in class_to_idx]
            if unknown:
                raise ValueError(
                    f'{self.ann_file}: image {image_id!r} has label(s) '
                    f'{unknown} that never occur in {self.label_file}, which '
                    'defines the label space (use the train dict).')
            data_list.append(
                dict(
                    img_path=osp.join(self.data_prefix['img_path'],
                                      f'{image_id}.jpg'),
                    img_id=image_id,
                    gt_label=sorted({class_to_idx[mid]
                                     for mid in mids})))
        return data_list

    def _sizes(self, data_list: List[dict]) -> List[Tuple[int, int]]:
        """Image sizes from ``image_sizes`` or from the JPEG headers.

        Args:
            data_list (list[dict]): data_infos with ``img_id``/``img_path``.

        Returns:
            list[tuple[int, int]]: ``(width, height)`` per data_info.
        """
        if self.image_sizes is None:
            MMLogger.get_current_instance().info(
                f'OpenImagesOHMSDataset: reading the size of {len(data_list)}'
                ' images from their JPEG headers (pass image_sizes=... to '
                'skip this).')
            return read_image_sizes([info['img_path'] for info in data_list])
        table = load_json(self.image_sizes,
                          'a json of image sizes {ImageID: [width, height]}')
        if not isinstance(table, dict):
            raise ValueError(f'{self.image_sizes}: expected a json object '
                             '{ImageID: [width, height]}.')
        sizes = []
        for info in data_list:
            size = table.get(info['img_id'])
            if (not isinstance(size, list) or len(size) != 2
                    or not all(isinstance(v, int) and v > 0 for v in size)):
                raise ValueError(
                    f'{self.image_sizes}: image {info["img_id"]!r} has size '
                    f'{size!r}, expected [width, height] positive integers.')
            sizes.append((size[0], size[1]))
        return sizes

    def _add_boxes(self, data_list: List[dict]) -> None:
        """Add pixel boxes from ``box_file`` to every data_info in place.

        Args:
            data_list (list[dict]): data_infos to complete.
        """
        class_to_idx = self.class_to_idx
        features = load_pickled_dict(
            self.box_file, "the OHMS object dict {ImageID: {'data': [row]}}")
        num_outside = 0
        for info, (width, height) in zip(data_list, self._sizes(data_list)):
            image_id = info['img_id']
            entry = features.get(image_id)
            if not isinstance(entry, dict) or 'data' not in entry:
                raise ValueError(
                    f'{self.box_file}: image {image_id!r} (listed in '
                    f'{self.ann_file}) has no {{"data": [rows]}} entry.')
            boxes, labels = [], []
            for k, row in enumerate(entry['data']):
                try:
                    mid = row[_MID]
                    xmin, xmax, ymin, ymax = (
                        float(row[i]) for i in (_XMIN, _XMAX, _YMIN, _YMAX))
                except (IndexError, KeyError, TypeError, ValueError) as err:
                    raise ValueError(
                        f'{self.box_file}: row {k} of image {image_id!r} is '
                        f'{row!r}; expected row[2] = MID and row[4:8] = '
                        'XMin, XMax, YMin, YMax.') from err
                if not all(0.0 <= v <= 1.0 for v in (xmin, xmax, ymin, ymax)):
                    raise ValueError(
                        f'{self.box_file}: row {k} of image {image_id!r} has '
                        f'box {(xmin, xmax, ymin, ymax)}, expected values '
                        'normalised to [0, 1].')
                boxes.append(
                    (xmin * width, ymin * height, xmax * width, ymax * height))
                labels.append(class_to_idx.get(mid, -1))
            num_outside += labels.count(-1)
            info.update(
                width=width,
                height=height,
                gt_bboxes=boxes_to_array(boxes, image_id, self.box_file),
                gt_bboxes_labels=np.asarray(labels, dtype=np.int64))
        MMLogger.get_current_instance().info(
            f'OpenImagesOHMSDataset: boxes of {len(data_list)} images from '
            f'{self.box_file}.')
        if num_outside:
            MMLogger.get_current_instance().warning(
                f'OpenImagesOHMSDataset: {num_outside} box rows of '
                f'{self.box_file} have a MID outside the label space; they '
                'are kept with gt_bboxes_labels = -1.')

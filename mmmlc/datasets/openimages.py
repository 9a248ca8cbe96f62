"""OpenImages OHMS subset of Object-aware cropping (Mishra et al. 2022)."""
import json
import os.path as osp
import pickle
from typing import (Callable, Dict, List, Optional, Sequence, Tuple, Union)

import numpy as np
from mmengine.logging import MMLogger
from mmpretrain.datasets import MultiLabelDataset
from PIL import Image, UnidentifiedImageError

from mmmlc.registry import DATASETS
from .base import (boxes_to_array, check_classes_match, check_files_exist,
                   require_dir, require_file)

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
class OpenImagesOHMSDataset(MultiLabelDataset):
    """OpenImages multi-object subset "OHMS" of Object-aware cropping.

    Files (the release's pickled dicts, see
    ``methods/object_aware_cropping.md`` section 2):

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
    reference's flooring (the float32 cast keeps each float64 value's floor,
    see :func:`~mmmlc.datasets.base.float32_keeping_floor`). ``img_id`` is the ImageID; ``width``/``height`` are
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
                 data_root: str = '',
                 ann_file: str = 'images_selected_new.npy',
                 label_file: str = 'images_selected_new.npy',
                 box_file: Optional[str] = None,
                 image_sizes: Optional[str] = None,
                 data_prefix: Optional[Dict[str, str]] = None,
                 metainfo: Optional[dict] = None,
                 filter_cfg: Optional[dict] = None,
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000):
        self.label_file = self._under_root(data_root, label_file)
        self.box_file = self._under_root(data_root, box_file)
        self.image_sizes = self._under_root(data_root, image_sizes)
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix={'img_path': 'all_images', **(data_prefix or {})},
            filter_cfg=filter_cfg,
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch)

    @staticmethod
    def _under_root(data_root: str, path: Optional[str]) -> Optional[str]:
        """Join a relative ``path`` with ``data_root`` like ``ann_file``.

        Args:
            data_root (str): Dataset root.
            path (str, optional): A file path or None.

        Returns:
            str, optional: The joined path, or None.
        """
        if path is None or osp.isabs(path) or not data_root:
            return path
        return osp.join(data_root, path)

    def load_data_list(self) -> List[dict]:
        """Read the label dicts (and boxes), and check the images exist.

        Returns:
            list[dict]: One data_info per ImageID of ``ann_file``, in order.
        """
        if self.data_root:
            require_dir(self.data_root, 'the OHMS data_root')
        img_dir = self.data_prefix['img_path']
        require_dir(img_dir or '.', 'the OpenImages image folder')

        label_dict = _check_label_dict(
            load_pickled_dict(
                self.label_file,
                'the OHMS train label dict {ImageID: [MID, ...]}'),
            self.label_file)
        classes = tuple(
            dict.fromkeys(mid for mids in label_dict.values() for mid in mids))
        check_classes_match(self._metainfo.get('classes'), classes,
                            self.label_file)
        self._metainfo['classes'] = classes
        class_to_idx = {mid: i for i, mid in enumerate(classes)}

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
                    img_path=osp.join(img_dir, f'{image_id}.jpg'),
                    img_id=image_id,
                    gt_label=sorted({class_to_idx[mid]
                                     for mid in mids})))
        check_files_exist([info['img_path'] for info in data_list],
                          self.ann_file)
        if self.box_file is not None:
            self._add_boxes(data_list, class_to_idx)
        MMLogger.get_current_instance().info(
            f'OpenImagesOHMSDataset: {len(data_list)} images, '
            f'{len(classes)} classes (from {self.label_file}), '
            f'boxes from {self.box_file}.')
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
        require_file(self.image_sizes,
                     'a json of image sizes {ImageID: [width, height]}')
        try:
            with open(self.image_sizes, encoding='utf-8') as f:
                table = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(
                f'Malformed json in {self.image_sizes}: {err}') from err
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

    def _add_boxes(self, data_list: List[dict],
                   class_to_idx: Dict[str, int]) -> None:
        """Add pixel boxes from ``box_file`` to every data_info in place.

        Args:
            data_list (list[dict]): data_infos to complete.
            class_to_idx (dict[str, int]): MID -> class index.
        """
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
        if num_outside:
            MMLogger.get_current_instance().warning(
                f'OpenImagesOHMSDataset: {num_outside} box rows of '
                f'{self.box_file} have a MID outside the label space; they '
                'are kept with gt_bboxes_labels = -1.')

    def extra_repr(self) -> List[str]:
        """Describe the files this dataset reads.

        Returns:
            list[str]: Lines for ``repr``.
        """
        return [
            f'Label dict: \t{self.ann_file}',
            f'Label space from: \t{self.label_file}',
            f'Box dict: \t{self.box_file}',
            f'Prefix of images: \t{self.data_prefix["img_path"]}',
        ]

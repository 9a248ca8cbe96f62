"""NUS-WIDE (81 concepts) from the official distribution files."""
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
from mmengine.logging import MMLogger

from mmmlc.registry import DATASETS
from .base import (MultiLabelFileDataset, class_index, join_root, read_lines,
                   read_text, require_dir)


def image_key(line: str, source: str) -> str:
    """Normalise an image-list line to ``<folder>/<file>``.

    The official lists use Windows separators and, depending on the file and
    release, an absolute prefix: ``C:\\ImageData\\Flickr\\actor\\0001_1.jpg``
    in ``Imagelist.txt``, ``actor\\0001_1.jpg`` in the split lists. Every
    NUS-WIDE image lives at ``Flickr/<folder>/<file>``, so the last two path
    components identify it in all of them.

    Args:
        line (str): A stripped line of an image list.
        source (str): The list file, for the message.

    Returns:
        str: ``'<folder>/<file>'``, e.g. ``'actor/0001_2124494179.jpg'``.
    """
    parts = [p for p in line.replace('\\', '/').split('/') if p]
    if len(parts) < 2:
        raise ValueError(f'{source}: line {line!r} is not of the form '
                         '<folder>\\<file>.jpg.')
    return '/'.join(parts[-2:])


@DATASETS.register_module()
class NUSWIDEDataset(MultiLabelFileDataset):
    """NUS-WIDE (Chua et al., CIVR 2009), the 81 ground-truth concepts.

    Files read (paths relative to ``data_root``, each an argument)::

        Concepts81.txt                      81 concept names, one per line
        ImageList/Imagelist.txt             all 269,648 images, one per line
        ImageList/TrainImagelist.txt        161,789 train images (ann_file)
        ImageList/TestImagelist.txt         107,859 test images
        Groundtruth/AllLabels/Labels_<concept>.txt
                                            one 0/1 per line, row r is
                                            image r of Imagelist.txt
        Flickr/<folder>/<file>.jpg          the images (data_prefix)

    How rows align. The label files are aligned with the *all-image* list,
    not with the split lists. Each line of every list is normalised with
    :func:`image_key` (backslashes to ``/``, keep ``<folder>/<file>``); the
    row of a split image is the line number of its key in ``Imagelist.txt``,
    and its labels are row ``r`` of every ``Labels_<concept>.txt``. A split
    image absent from ``Imagelist.txt``, a duplicate key there, a label file
    whose length differs from ``Imagelist.txt``, or a value other than 0/1 is
    an error naming the file.

    Images with no positive concept (about a fifth of each split; the
    literature reports 125,449 train / 83,898 test images left) are dropped
    while parsing, and the count is logged. Many Flickr images of NUS-WIDE
    are no longer downloadable: a listed image missing on disk is an error,
    so give ``ann_file`` a list of the images you have (same format) if your
    copy is incomplete.

    Args:
        data_root (str): The NUS-WIDE folder.
        ann_file (str): Split image list, relative to ``data_root``.
            Defaults to ``'ImageList/TrainImagelist.txt'``.
        concept_file (str): Concept list (from the official
            ``ConceptsList.zip``; use ``'ConceptsList/Concepts81.txt'`` if
            you kept its folder). Defaults to ``'Concepts81.txt'``.
        all_image_list (str): List of all images the label files align with.
            Defaults to ``'ImageList/Imagelist.txt'``.
        label_dir (str): Folder of ``Labels_<concept>.txt``. Defaults to
            ``'Groundtruth/AllLabels'``.
        data_prefix (dict, optional): ``dict(img_path=...)``. Defaults to
            ``dict(img_path='Flickr')``.
        metainfo (dict, optional): ``dict(classes=...)`` selects and orders
            concepts of ``concept_file`` (e.g. a subset); each must be listed
            there. Defaults to None (all concepts, file order).
        **kwargs: :class:`MultiLabelFileDataset`'s loading arguments
            (``pipeline``, ``test_mode``, ``lazy_init``, ``indices``, ...).
    """

    FOLDERS = dict(img_path=('Flickr', 'the NUS-WIDE image folder (Flickr/)'))
    REPR_ATTRS = ('all_image_list', 'label_dir')

    def __init__(self,
                 data_root: str,
                 ann_file: str = 'ImageList/TrainImagelist.txt',
                 concept_file: str = 'Concepts81.txt',
                 all_image_list: str = 'ImageList/Imagelist.txt',
                 label_dir: str = 'Groundtruth/AllLabels',
                 data_prefix: Optional[Dict[str, str]] = None,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        self.concept_file = join_root(data_root, concept_file)
        self.all_image_list = join_root(data_root, all_image_list)
        self.label_dir = join_root(data_root, label_dir)
        super().__init__(ann_file, data_root, data_prefix, metainfo, **kwargs)

    def parse_annotations(self) -> List[dict]:
        """Read concepts, the all-image list, label files and the split.

        Returns:
            list[dict]: One data_info per split image with a positive label,
            in split-list order.
        """
        require_dir(self.label_dir,
                    'the NUS-WIDE label folder (Labels_<concept>.txt files)')
        concepts = read_lines(self.concept_file, 'the NUS-WIDE concept list')
        concept_idx = {name: i for i, name in enumerate(concepts)}
        classes = tuple(self._metainfo.get('classes') or concepts)
        for name in classes:
            class_index(name, concept_idx, self.concept_file)
        self._set_classes(classes)

        row_of = self._index_all_images()
        labels = np.stack(
            [self._read_label_file(name, len(row_of)) for name in classes],
            axis=1)  # (num_all_images, num_classes)

        data_list, num_unlabelled = [], 0
        for line in read_lines(self.ann_file, 'a NUS-WIDE split image list'):
            key = image_key(line, self.ann_file)
            if key not in row_of:
                raise ValueError(
                    f'{self.ann_file}: image {key!r} is not in '
                    f'{self.all_image_list}, which the label files align '
                    'with.')
            positives = np.flatnonzero(labels[row_of[key]])
            if positives.size == 0:
                num_unlabelled += 1
                continue
            data_list.append(
                dict(
                    img_path=osp.join(self.data_prefix['img_path'], key),
                    gt_label=positives.tolist()))
        MMLogger.get_current_instance().info(
            f'NUSWIDEDataset: {num_unlabelled} images of {self.ann_file} '
            f'with no positive among the {len(classes)} concepts dropped.')
        return data_list

    def _index_all_images(self) -> Dict[str, int]:
        """Map each image key of ``all_image_list`` to its row.

        Returns:
            dict[str, int]: ``'<folder>/<file>'`` -> row in the label files.
        """
        row_of: Dict[str, int] = {}
        lines = read_lines(self.all_image_list,
                           'the NUS-WIDE list of all images')
        for row, line in enumerate(lines):
            key = image_key(line, self.all_image_list)
            if key in row_of:
                raise ValueError(
                    f'{self.all_image_list}: image {key!r} is listed twice '
                    f'(rows {row_of[key]} and {row}).')
            row_of[key] = row
        return row_of

    def _read_label_file(self, concept: str, num_rows: int) -> np.ndarray:
        """Read ``Labels_<concept>.txt`` as a bool column.

        Args:
            concept (str): Concept name.
            num_rows (int): Expected number of rows (all images).

        Returns:
            np.ndarray: bool array of shape ``(num_rows,)``.
        """
        path = osp.join(self.label_dir, f'Labels_{concept}.txt')
        what = f'the NUS-WIDE labels of concept {concept!r}'
        tokens = read_text(path, what).split()
        if len(tokens) != num_rows:
            raise ValueError(
                f'{path}: {len(tokens)} values, expected {num_rows} (one per '
                f'line of {self.all_image_list}).')
        bad = set(tokens) - {'0', '1'}
        if bad:
            raise ValueError(f'{path}: expected only 0/1 values, found '
                             f'{sorted(bad)[:5]}.')
        return np.asarray(tokens) == '1'

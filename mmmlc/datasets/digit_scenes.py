"""DigitScenes: the embedded default dataset, built on first use."""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET
from typing import List, Optional

from mmmlc.registry import DATASETS
from .base import require_choice
from .digit_scenes_builder import (CLASSES, GENERATOR_VERSION, SCENES,
                                   build_digit_scenes)
from .voc import VOCDataset

SPLIT_FILES = ('train', 'val', 'test', 'trainval')


@DATASETS.register_module()
class DigitScenesDataset(VOCDataset):
    """DigitScenes, mmmlc's embedded multi-label, multi-object dataset.

    Handwritten sklearn digits (classes ``'0'`` .. ``'9'``) pasted onto
    crops of the sklearn sample photos, with a *scene* per image that sets
    the background look and which digits co-occur (see
    :mod:`mmmlc.datasets.digit_scenes_builder`). The first use of a
    ``data_root`` builds the VOC-layout tree there (about 15 s for the
    default 5000 images); later uses read it back with :class:`VOCDataset`
    and check that its ``meta.json`` matches the requested seed and sizes.

    Every data_info carries the VOC fields (``gt_label``,
    ``gt_label_difficult``, ``gt_bboxes`` ...) plus ``scene`` (int, index
    into ``metainfo['scenes']``), so tools can compare learned scenes
    (SALGL) with the true ones.

    Args:
        data_root (str): Folder of the tree; built there if it has no
            ``meta.json``. Defaults to ``'data/digit_scenes'``.
        split (str): ``'train'``, ``'val'``, ``'test'`` or ``'trainval'``.
            Defaults to ``'train'``.
        seed (int): Generator seed. Defaults to 0.
        num_train (int): Train images. Defaults to 3000.
        num_val (int): Val images. Defaults to 1000.
        num_test (int): Test images. Defaults to 1000.
        img_size (int): Side of the square images. Defaults to 128.
        difficult_as_positive (bool): Count classes present only as
            difficult (tiny or mostly hidden) objects as positives.
            Defaults to False.
        metainfo (dict, optional): Extra meta information; leave
            ``classes`` unset. Defaults to None.
        **kwargs: :class:`MultiLabelFileDataset`'s loading arguments
            (``pipeline``, ``test_mode``, ``lazy_init`` (which also defers
            the build), ``indices``, ...).
    """

    METAINFO = {'classes': CLASSES, 'scenes': SCENES}
    REPR_ATTRS = ('split', 'build_args', 'difficult_as_positive')

    def __init__(self,
                 data_root: str = 'data/digit_scenes',
                 split: str = 'train',
                 seed: int = 0,
                 num_train: int = 3000,
                 num_val: int = 1000,
                 num_test: int = 1000,
                 img_size: int = 128,
                 difficult_as_positive: bool = False,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        require_choice(split, SPLIT_FILES, 'DigitScenesDataset split')
        self.split = split
        self.build_args = dict(
            seed=seed,
            num_train=num_train,
            num_val=num_val,
            num_test=num_test,
            img_size=img_size)
        super().__init__(
            data_root=data_root,
            ann_file=osp.join('ImageSets', 'Main', f'{split}.txt'),
            difficult_as_positive=difficult_as_positive,
            metainfo=metainfo,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Build the tree if needed, check its meta, then read it as VOC.

        Returns:
            list[dict]: One data_info per image of the split, with
            ``scene``.
        """
        self.ensure_built()
        return super().load_data_list()

    def ensure_built(self) -> dict:
        """Build the tree under ``data_root`` unless it is there; check it.

        Returns:
            dict: The content of ``data_root/meta.json``.

        Raises:
            ValueError: If ``data_root`` holds DigitScenes built with another
                seed, other sizes or another generator version.
            FileExistsError: If ``data_root`` is a non-empty folder without
                ``meta.json``.
        """
        root = self.data_root
        meta_path = osp.join(root, 'meta.json')
        if not osp.isfile(meta_path):
            if osp.isdir(root) and os.listdir(root):
                raise FileExistsError(
                    f'{root} exists but has no meta.json, so it is not a '
                    'complete DigitScenes tree. Delete it to have it '
                    'rebuilt, or choose another data_root.')
            try:
                build_digit_scenes(root, **self.build_args)
            except FileExistsError:
                # Another process completed the tree between the check above
                # and the build; its meta.json is checked below like any
                # other.
                if not osp.isfile(meta_path):
                    raise
        try:
            with open(meta_path, encoding='utf-8') as f:
                meta = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'{meta_path} is not valid JSON ({err}); delete '
                             f'{root} to have it rebuilt.') from err
        wanted = dict(generator_version=GENERATOR_VERSION, **self.build_args)
        found = {key: meta.get(key) for key in wanted}
        if found != wanted:
            raise ValueError(
                f'{meta_path} describes DigitScenes {found}, but {wanted} was '
                f'requested. Delete {root} to rebuild it with the requested '
                'settings, or choose another data_root.')
        return meta

    def parse_extra(self, root: ET.Element) -> dict:
        """Read the image's scene.

        Args:
            root (xml.etree.ElementTree.Element): The ``<annotation>`` root.

        Returns:
            dict: ``scene`` (int).
        """
        scene = root.find('scene')
        text = (scene.text or '').strip() if scene is not None else ''
        if not text.isdigit() or int(text) >= len(SCENES):
            filename = root.findtext('filename', default='?')
            raise ValueError(
                f'DigitScenes annotation of {filename} in {self.data_root}: '
                f'expected <scene> with an integer in [0, {len(SCENES)}), '
                f'got {text!r}.')
        return dict(scene=int(text))

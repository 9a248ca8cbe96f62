"""DigitScenes: the embedded default dataset, built on first use."""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET
from typing import Callable, List, Optional, Sequence, Union

from mmmlc.registry import DATASETS
from .digit_scenes_builder import (CLASSES, GENERATOR_VERSION, SCENES,
                                   build_digit_scenes)
from .voc import VOCDataset

SPLIT_FILES = ('train', 'val', 'test', 'trainval')


def prepare_digit_scenes(root: str,
                         seed: int = 0,
                         num_train: int = 3000,
                         num_val: int = 1000,
                         num_test: int = 1000,
                         img_size: int = 128) -> dict:
    """Build DigitScenes under ``root`` unless it is there; check its meta.

    Args:
        root (str): Dataset folder.
        seed (int): Requested seed. Defaults to 0.
        num_train (int): Requested train size. Defaults to 3000.
        num_val (int): Requested val size. Defaults to 1000.
        num_test (int): Requested test size. Defaults to 1000.
        img_size (int): Requested image side. Defaults to 128.

    Returns:
        dict: The content of ``root/meta.json``.

    Raises:
        ValueError: If ``root`` holds DigitScenes built with another seed,
            other sizes or another generator version.
        FileExistsError: If ``root`` is a non-empty folder without
            ``meta.json``.
    """
    meta_path = osp.join(root, 'meta.json')
    if not osp.isfile(meta_path):
        if osp.isdir(root) and os.listdir(root):
            raise FileExistsError(
                f'{root} exists but has no meta.json, so it is not a '
                'complete DigitScenes tree. Delete it to have it rebuilt, '
                'or choose another data_root.')
        try:
            build_digit_scenes(root, seed, num_train, num_val, num_test,
                               img_size)
        except FileExistsError:
            # Another process completed the tree between the check above
            # and the build; its meta.json is checked below like any other.
            if not osp.isfile(meta_path):
                raise
    try:
        with open(meta_path, encoding='utf-8') as f:
            meta = json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f'{meta_path} is not valid JSON ({err}); delete '
                         f'{root} to have it rebuilt.') from err
    wanted = dict(
        generator_version=GENERATOR_VERSION,
        seed=seed,
        num_train=num_train,
        num_val=num_val,
        num_test=num_test,
        img_size=img_size)
    found = {key: meta.get(key) for key in wanted}
    if found != wanted:
        raise ValueError(
            f'{meta_path} describes DigitScenes {found}, but {wanted} was '
            f'requested. Delete {root} to rebuild it with the requested '
            'settings, or choose another data_root.')
    return meta


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
        indices (int | Sequence[int], optional): Keep only these samples.
            Defaults to None.
        serialize_data (bool): Serialize the data list. Defaults to True.
        pipeline (Sequence[dict | Callable]): Transforms. Defaults to ().
        test_mode (bool): mmengine test mode. Defaults to False.
        lazy_init (bool): Defer building and reading the tree. Defaults to
            False.
        max_refetch (int): mmengine refetch limit. Defaults to 1000.
    """

    METAINFO = {'classes': CLASSES, 'scenes': SCENES}

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
                 indices: Optional[Union[int, Sequence[int]]] = None,
                 serialize_data: bool = True,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_refetch: int = 1000):
        if split not in SPLIT_FILES:
            raise ValueError(f'DigitScenesDataset split must be one of '
                             f'{SPLIT_FILES}, got {split!r}.')
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
            indices=indices,
            serialize_data=serialize_data,
            pipeline=pipeline,
            test_mode=test_mode,
            lazy_init=lazy_init,
            max_refetch=max_refetch)

    def load_data_list(self) -> List[dict]:
        """Build the tree if needed, check its meta, then read it as VOC.

        Returns:
            list[dict]: One data_info per image of the split, with
            ``scene``.
        """
        prepare_digit_scenes(self.data_root, **self.build_args)
        return super().load_data_list()

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

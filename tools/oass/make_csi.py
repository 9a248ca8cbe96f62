"""Offline CAM files -> a labelled proposals file of CAM boxes (OASS).

OASS stage 3 (docs/reference/oass.md, "CAM boxes"): every image of a
dataset split has one CAM file, ``CAM_DIR/<stem>.npz`` (``stem`` = the
image file's base name without extension), written by the offline CAM
tool (stage 2) with the arrays

- ``keys`` int64 ``(K,)``: the class indices of the class set ``K``;
- ``cam`` float32 ``(K, ceil(H/4), ceil(W/4))``: the stride-4 CAMs;
- ``high_res`` float32 ``(K, H, W)`` in ``[0, 1]``: full-resolution CAMs;
- ``img_key`` str: the image's base name with extension;
- ``classes`` str ``(C,)``: all class names of the model;
- ``scores`` float32 ``(C,)``: multi-scale class probabilities.

The boxes of ``high_res`` (:func:`mmmlc.models.utils.cam_boxes.
cam_boxes_list`) go into one proposals file (the ``mmmlc-proposals``
format, keyed by file name, with per-box class labels and scores and the
class list), which :class:`~mmmlc.datasets.transforms.LoadProposals` reads
(object-aware crops and GAELLE's object-local crops on CAM boxes; OASS's
class-specific instances). A missing or unreadable CAM file, a file for
another image or another class list is an error; nothing is skipped.

Example (DigitScenes)::

    python tools/oass/make_csi.py \\
        configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py \\
        work_dirs/oass_cams/digitscenes_train \\
        --out work_dirs/oass_cams/digitscenes_train_boxes.npz --split train
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional, Sequence

import numpy as np

SPLITS = ('train', 'val', 'test')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Boxes of offline CAMs as a labelled proposals file '
        '(OASS stage 3).')
    parser.add_argument('config', help='config whose dataset lists images')
    parser.add_argument('cam_dir', help='folder of <stem>.npz CAM files')
    parser.add_argument(
        '--out', required=True, help='proposals file (.npz or .json)')
    parser.add_argument(
        '--split', default='train', choices=SPLITS,
        help='which dataloader of the config lists the images')
    parser.add_argument('--thr', type=float, default=0.2,
                        help='foreground threshold on the CAM')
    parser.add_argument('--min-area', type=float, default=0.01,
                        help='smallest component, fraction of H * W')
    parser.add_argument('--top-k', type=int, default=3,
                        help='boxes per class, highest CAM peaks first')
    parser.add_argument('--margin', type=float, default=0.1,
                        help='growth per side, fraction of width / height')
    parser.add_argument('--nms-iou', type=float, default=0.7,
                        help='same-class NMS IoU threshold')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. '
        'train_dataloader.dataset.data_root=data/digit_scenes')
    return parser.parse_args(argv)


def build_dataset(config: str, split: str, cfg_options: Optional[dict]):
    """The config's dataset of ``split`` (wrappers unwrapped, no pipeline).

    Args:
        config (str): Config file.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        cfg_options (dict, optional): Config overrides.

    Returns:
        BaseDataset: The dataset; its data infos have ``img_path``.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmmlc  # noqa: F401  (registries)
    from mmmlc.registry import DATASETS
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    loader = f'{split}_dataloader'
    if cfg.get(loader) is None:
        raise ValueError(f'{config} has no {loader}; pick another --split.')
    init_default_scope(cfg.get('default_scope', 'mmmlc'))
    dataset_cfg = cfg[loader].dataset
    dataset = DATASETS.build(dataset_cfg)
    # A wrapper (repeat, per-object instances, CSI bags) lists an image
    # more than once: take the image dataset it wraps.
    while hasattr(dataset, 'dataset'):
        dataset = dataset.dataset
    dataset.full_init()
    return dataset


def image_boxes(info: dict, cam_dir: str, classes: List[str],
                options: dict) -> dict:
    """The proposals entry of one dataset image.

    Args:
        info (dict): Data info with ``img_path`` (and maybe ``width`` /
            ``height``).
        cam_dir (str): Folder of the CAM files.
        classes (list[str]): The dataset's classes.
        options (dict): :func:`cam_boxes_list` options.

    Returns:
        dict: ``boxes``, ``labels``, ``scores``, ``width``, ``height``.
    """
    from mmmlc.evaluation.metrics.dump_cams import (cam_file_path,
                                                    load_cam_file)
    from mmmlc.models.utils.cam_boxes import cam_boxes_list
    image = osp.basename(info['img_path'])
    path = cam_file_path(cam_dir, image)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'no CAM file for dataset image {info["img_path"]}: expected '
            f'{path} (write the CAMs of this split first).')
    cam = load_cam_file(path, classes)
    if cam['img_key'] != image:
        raise ValueError(f'{path}: CAMs of image {cam["img_key"]!r}, '
                         f'expected {image!r}.')
    keys, high_res = cam['keys'], cam['high_res']
    height, width = high_res.shape[1:]
    if info.get('width') and info.get('height') and (
            (int(info['width']), int(info['height'])) != (width, height)):
        raise ValueError(
            f'{path}: high_res is {width}x{height} but the image '
            f'{info["img_path"]} is {info["width"]}x{info["height"]}.')
    boxes, labels, scores = cam_boxes_list(high_res, keys, **options)
    return dict(boxes=boxes, labels=labels, scores=scores, width=width,
                height=height)


def box_corloc(entries: dict, dataset) -> Optional[float]:
    """CorLoc of the CAM boxes against the dataset's ground-truth boxes.

    For every (image, positive class) pair, the highest-scoring CAM box of
    that class is correct when its IoU with a ground-truth box of the class
    is at least 0.5; the hit rate is averaged per class, then over the
    classes (as :class:`~mmmlc.evaluation.CAMCorLoc`). Both are in the
    stored image's pixels.

    Returns:
        float | None: CorLoc in %, or None when the split has no boxes.
    """
    from mmmlc.evaluation.metrics.cam_metrics import box_iou, per_class_rate
    classes, hits = [], []
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        if 'gt_bboxes' not in info:
            return None
        gt_boxes = np.asarray(info['gt_bboxes'], np.float64).reshape(-1, 4)
        gt_labels = np.asarray(info['gt_bboxes_labels'], np.int64)
        entry = entries[osp.basename(info['img_path'])]
        for c in np.unique(gt_labels):
            mine = entry['labels'] == c
            hit = False
            if mine.any():
                top = entry['boxes'][mine][np.argmax(entry['scores'][mine])]
                hit = bool((box_iou(top.astype(np.float64),
                                    gt_boxes[gt_labels == c]) >= 0.5).any())
            classes.append(int(c))
            hits.append(hit)
    if not hits:
        return None
    return per_class_rate(np.array(classes), np.array(hits))


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Write the proposals file; returns its entries (for tests)."""
    args = parse_args(argv)
    from mmmlc.datasets.transforms import save_proposals
    if not osp.isdir(args.cam_dir):
        raise FileNotFoundError(f'CAM folder {args.cam_dir} does not exist.')
    dataset = build_dataset(args.config, args.split, args.cfg_options)
    classes = [str(name) for name in dataset.metainfo['classes']]
    options = dict(thr=args.thr, min_area=args.min_area, top_k=args.top_k,
                   margin=args.margin, nms_iou=args.nms_iou)
    entries = {}
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        name = osp.basename(info['img_path'])
        if name in entries:
            raise ValueError(f'two images named {name} in the {args.split} '
                             'split; the proposals file is keyed by file '
                             'name.')
        entries[name] = image_boxes(info, args.cam_dir, classes, options)
    generator = ('oass cam boxes ' + ' '.join(
        f'{k}={v}' for k, v in options.items()) + f' cams={args.cam_dir}')
    out_dir = osp.dirname(args.out)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    save_proposals(args.out, entries, key='filename', generator=generator,
                   classes=classes)
    counts = np.array([len(e['boxes']) for e in entries.values()])
    mean = counts.mean() if len(counts) else 0.
    print(f'{args.out}: {len(entries)} images, {int(counts.sum())} boxes, '
          f'{mean:.2f} boxes per image (mean)')
    corloc = box_corloc(entries, dataset)
    if corloc is not None:
        print(f'box CorLoc of the top CAM box per ground-truth class: '
              f'{corloc:.2f} %')
    return entries


if __name__ == '__main__':
    main(sys.argv[1:])

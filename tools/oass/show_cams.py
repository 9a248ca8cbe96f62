"""Offline CAMs and their boxes over the images, as one PNG grid.

``python tools/oass/show_cams.py CONFIG CAM_DIR --out grid.png
[--split test] [--num-images 8 | --indices 0 5 9]`` reads the images of
the config's split and their CAM files (``CAM_DIR/<image stem>.npz``
written by ``tools/oass/make_cams.py``; format in
``mmmlc/evaluation/metrics/dump_cams.py``) and draws a row per image: the
image, then each class of its K with the full-resolution CAM as a heatmap
and the class's CAM boxes (OASS stage 3, :func:`~mmmlc.models.utils.
cam_boxes.cam_boxes_list` with the ``--thr`` ... ``--nms-iou`` options) in
magenta. Titles give the class, its multi-scale probability and ``*`` for
a labelled class. People judge CAMs by looking at them.

A CAM dir made for another class list, an image without its file, a file
for another image or size, or a truncated file stop the tool with an
error naming the file.
"""
import argparse
import copy
import os
import os.path as osp
from typing import List

import mmcv
import numpy as np

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.evaluation.metrics.dump_cams import cam_file_path, load_cam_file
from mmmlc.models.utils.cam_boxes import cam_boxes_list
from mmmlc.utils.config_loading import add_cfg_options_argument
from mmmlc.visualization.class_activation_maps import draw_cam_grid


def parse_args(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description='Draw offline CAMs + boxes')
    parser.add_argument('config', help='the config the CAMs were made with')
    parser.add_argument('cam_dir', help='folder of <image stem>.npz files')
    parser.add_argument('--out', required=True, help='the .png to write')
    parser.add_argument('--split', choices=['train', 'val', 'test'],
                        default='test')
    parser.add_argument('--num-images', type=int, default=8,
                        help='the first N images of the split (default 8)')
    parser.add_argument('--indices', type=int, nargs='+',
                        help='these dataset indices instead')
    parser.add_argument('--thr', type=float, default=0.2)
    parser.add_argument('--min-area', type=float, default=0.01)
    parser.add_argument('--top-k', type=int, default=3)
    parser.add_argument('--margin', type=float, default=0.1)
    parser.add_argument('--nms-iou', type=float, default=0.7)
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def build_split(cfg, split: str):
    """The split's dataset without its pipeline (paths and labels)."""
    from mmengine.registry import init_default_scope

    from mmmlc.registry import DATASETS
    loader = cfg.get(f'{split}_dataloader')
    if loader is None:
        raise ValueError(f'the config has no {split}_dataloader.')
    dataset = copy.deepcopy(loader.dataset)
    dataset.pipeline = []
    init_default_scope('mmmlc')
    return DATASETS.build(dataset)


def read_image_cams(cam_dir: str, img_path: str, classes, size) -> dict:
    """The CAM file of one image, checked against the image."""
    path = cam_file_path(cam_dir, img_path)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'no CAM file for image {img_path} in {cam_dir} (expected '
            f'{path}); make the CAMs of this split with tools/oass/'
            'make_cams.py.')
    cams = load_cam_file(path, classes)
    if cams['img_key'] != osp.basename(img_path):
        raise ValueError(f'CAM file {path} holds image {cams["img_key"]}, '
                         f'not {osp.basename(img_path)}.')
    if cams['high_res'].shape[1:] != tuple(size) and len(cams['keys']):
        raise ValueError(
            f'CAM file {path}: high_res is {cams["high_res"].shape[1:]} '
            f'but image {img_path} is {tuple(size)}; CAMs are made at the '
            'original image size.')
    return cams


def main(argv=None) -> List[dict]:
    """Write the grid; return each row's image key, boxes, labels, scores."""
    from mmengine.config import Config
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    dataset = build_split(cfg, args.split)
    classes = list(dataset.metainfo['classes'])
    indices = args.indices or list(range(min(args.num_images,
                                             len(dataset))))
    options = dict(thr=args.thr, min_area=args.min_area, top_k=args.top_k,
                   margin=args.margin, nms_iou=args.nms_iou)
    images, maps, titles, boxes, rows = [], [], [], [], []
    for index in indices:
        info = dataset.get_data_info(index)
        image = mmcv.imread(info['img_path'], channel_order='rgb')
        if image is None:
            raise FileNotFoundError(f'cannot read image {info["img_path"]}')
        cams = read_image_cams(args.cam_dir, info['img_path'], classes,
                               image.shape[:2])
        box, label, score = cam_boxes_list(cams['high_res'], cams['keys'],
                                           **options)
        labelled = set(np.asarray(info.get('gt_label', [])).tolist())
        images.append(image)
        maps.append(cams['high_res'])
        titles.append([
            f'{classes[c]}{"*" if c in labelled else ""} '
            f'p={cams["scores"][c]:.2f}' for c in cams['keys']
        ])
        boxes.append([box[label == c] for c in cams['keys']])
        rows.append(dict(img_key=cams['img_key'], boxes=box, labels=label,
                         scores=score))
    if not images:
        raise ValueError(f'no image selected from the {args.split} split.')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    draw_cam_grid(images, maps, titles, args.out, boxes=boxes)
    print(f'Wrote {args.out}: {len(images)} images, '
          f'{sum(len(r["boxes"]) for r in rows)} CAM boxes')
    return rows


if __name__ == '__main__':
    main()

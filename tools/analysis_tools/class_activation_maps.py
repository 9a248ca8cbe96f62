"""Class activation maps of a classifier for chosen images and classes.

``python tools/analysis_tools/class_activation_maps.py CONFIG CKPT IMAGES
--out cams.png`` writes one PNG grid: a row per image (files or folders),
the image and, for each class, its heatmap over the image (Grad-CAM by
default, ``--method``), titled with the class name and its probability.
Classes are ``--classes a,b`` for every image, or else each image's
``--topk`` highest-scoring ones. A model with a CAMHead (OASS) shows its
own class maps (``CAMHead.get_cams`` resized to the image); other models,
or ``--method gradcam`` (or another Grad-CAM method), get Grad-CAM taken at
the backbone's last stage (``--target-layer`` to choose another module by
name). ``--save-maps maps.npz`` also writes the maps as arrays. See
docs/use_a_trained_model.md.
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
import torch

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.apis import MultiLabelInferencer
from mmmlc.visualization.class_activation_maps import (ALL_METHODS,
                                                        class_activation_maps,
                                                        draw_cam_grid,
                                                        resolve_method)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Class activation maps')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('images', nargs='+', help='image files or folders')
    parser.add_argument('--out', help='the .png grid (required unless '
                        '--save-maps is given)')
    parser.add_argument('--classes', help='class names a,b to map')
    parser.add_argument('--topk', type=int, default=3,
                        help='without --classes: map the k top classes')
    parser.add_argument(
        '--method', choices=ALL_METHODS, default='auto',
        help="'auto': the CAM head's own maps for a model with a CAMHead, "
        "else Grad-CAM; 'head' the former; a Grad-CAM method forces it")
    parser.add_argument(
        '--save-maps', help='also write the maps to this .npz: img_paths, '
        'and per image i class_indices_i (K,) and maps_i (K, H, W) in [0, 1] '
        'on the packed image (after the test pipeline)')
    parser.add_argument('--target-layer', help='module name, e.g. '
                        'backbone.layer4')
    parser.add_argument('--max-images', type=int, default=8)
    parser.add_argument('--weights', choices=['ema', 'raw'])
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.out and not args.save_maps:
        sys.exit('give --out GRID.png, --save-maps MAPS.npz or both')
    inferencer = MultiLabelInferencer(args.config, args.checkpoint,
                                      device=args.device, thresholds=None,
                                      weights=args.weights)
    classes = inferencer.classes
    wanted = None
    if args.classes:
        names = [n.strip() for n in args.classes.split(',')]
        unknown = [n for n in names if n not in classes]
        if unknown:
            sys.exit(f'unknown classes {unknown}; the model has {classes}')
        wanted = [classes.index(n) for n in names]
    inputs = inferencer._inputs_to_list(args.images)[:args.max_images]
    images, rgb, picks, titles, paths = [], [], [], [], []
    for indices, data in inferencer._batches(inputs, 1, {}):
        sample = inferencer.forward(data)[0]
        scores = sample.pred_score.float().cpu().numpy()
        chosen = wanted if wanted is not None else list(
            np.argsort(-scores, kind='stable')[:args.topk])
        packed = data['inputs'][0]  # (3, H, W) uint8 BGR
        paths.append(inputs[indices[0]])
        images.append(packed.float())
        rgb.append(packed.permute(1, 2, 0).numpy()[..., ::-1].copy())
        picks.append(chosen)
        titles.append([f'{classes[c]} p={scores[c]:.2f}' for c in chosen])
    if not images:
        sys.exit('no readable image among the inputs')
    method = resolve_method(inferencer.model, args.method)
    maps = class_activation_maps(inferencer.model,
                                 torch.stack(images).to(args.device), picks,
                                 method, args.target_layer)
    if args.save_maps:
        arrays = dict(img_paths=np.array([str(p) for p in paths]))
        for i, (pick, heat) in enumerate(zip(picks, maps)):
            arrays[f'class_indices_{i}'] = np.asarray(pick, np.int64)
            arrays[f'maps_{i}'] = heat
        np.savez(args.save_maps, **arrays)
    written = [name for name in (args.out, args.save_maps) if name]
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        draw_cam_grid(rgb, maps, titles, args.out)
    print(f'Wrote {" and ".join(written)}: {len(images)} images x '
          f'{max(len(p) for p in picks)} classes ({method})')
    return 0


if __name__ == '__main__':
    sys.exit(main())

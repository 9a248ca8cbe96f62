"""Label cloud per learned scene of a SALGL model (the paper's word clouds).

Two sources for how often each label falls in each scene:

- ``predictions`` (default): run the model (the checkpoint's ``state_dict``,
  i.e. the EMA weights when training used the EMA hook) over a split of
  the config's dataset, take each image's predicted scene and count its
  ground-truth labels per scene;
- ``comatrix``: the diagonals of the checkpoint's ``neck.comatrix``, i.e.
  the training labels counted under the model's own scene choices (the
  reference's ``labelcloud.py``; no images needed).

A label's weight in scene k is the share of its occurrences that fell in
k, drawn at size ``floor(200 * share)`` (spec ``methods/salgl.md`` §6).
With the optional ``wordcloud`` package one word cloud per scene is
written; without it a ranked bar chart per scene (the tool says so).

Example::

    python tools/analysis_tools/label_cloud.py \\
        configs/salgl/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py \\
        work_dirs/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px/epoch_8.pth \\
        --out-dir figures/label_clouds
"""
import argparse
import importlib.util
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.config import DictAction


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (Sequence[str], optional): Arguments; ``sys.argv[1:]`` when
            None.

    Returns:
        argparse.Namespace: The parsed options.
    """
    parser = argparse.ArgumentParser(
        description='Label cloud (or ranked bars) per learned scene, PNG.')
    parser.add_argument('config', help='the SALGL config')
    parser.add_argument('checkpoint', help='trained checkpoint')
    parser.add_argument('--out-dir', default='label_clouds', help='PNG folder')
    parser.add_argument(
        '--source',
        choices=['predictions', 'comatrix'],
        default='predictions',
        help='scene of each image from the model (predictions) or the '
        'training counts in neck.comatrix')
    parser.add_argument(
        '--split', choices=['train', 'val', 'test'], default='test')
    parser.add_argument(
        '--style', choices=['auto', 'wordcloud', 'bars'], default='auto')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='config overrides key=value')
    return parser.parse_args(argv)


def _purity_tool():
    path = osp.join(osp.dirname(osp.abspath(__file__)), 'scene_purity.py')
    spec = importlib.util.spec_from_file_location('scene_purity', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Write one PNG per scene.

    Args:
        argv (Sequence[str], optional): Arguments; ``sys.argv[1:]`` when
            None.

    Returns:
        list[str]: The PNG files written.
    """
    from mmmlc.visualization import (collect_scene_predictions,
                                     draw_label_cloud, label_scene_shares,
                                     scene_label_counts, wordcloud_available)
    args = parse_args(argv)
    _, model, loader = _purity_tool().load_model_and_loader(
        args.config, args.checkpoint, args.split, args.cfg_options)
    names = [str(n) for n in loader.dataset.metainfo['classes']]
    num_scenes, num_classes = model.neck.num_scenes, model.neck.num_classes
    if len(names) != num_classes:
        raise ValueError(f'{args.config}: the dataset has {len(names)} '
                         f'classes but the model num_classes={num_classes}')
    if args.source == 'comatrix':
        counts = np.diagonal(
            model.neck.comatrix.float().numpy(), axis1=1, axis2=2)
        what = 'training label counts in neck.comatrix'
    else:
        _, labels, scenes = collect_scene_predictions(model, loader)
        counts = scene_label_counts(scenes, labels, num_scenes, num_classes)
        what = f'{len(scenes)} {args.split} images by predicted scene'
    shares = label_scene_shares(counts)
    style = args.style
    if style == 'auto' and not wordcloud_available():
        print('wordcloud is not installed: writing a ranked bar chart per '
              'scene instead of a word cloud (pip install wordcloud)')
        style = 'bars'
    os.makedirs(args.out_dir, exist_ok=True)
    written = []
    for k in range(num_scenes):
        out_file = osp.join(args.out_dir, f'label_cloud_scene{k}.png')
        if not counts[k].any():
            print(f'scene {k}: no label occurrence, skipped')
            continue
        used = draw_label_cloud(
            shares[k], names, out_file,
            title=f'scene {k}: {int(counts[k].sum())} label occurrences',
            style=style)
        top = np.argsort(-shares[k], kind='stable')[:5]
        print(f'scene {k} ({used}): {out_file}; top labels ' + ', '.join(
            f'{names[i]} {shares[k, i]:.2f}' for i in top))
        written.append(out_file)
    print(f'source: {what}')
    return written


if __name__ == '__main__':
    main()

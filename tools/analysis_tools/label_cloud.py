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
k, drawn at size ``floor(200 * share)``, as the reference's
``labelcloud.py`` draws them (docs/reference/salgl.md).
With the optional ``wordcloud`` package one word cloud per scene is
written; without it a ranked bar chart per scene (the tool says so).

Example::

    python tools/analysis_tools/label_cloud.py \\
        configs/salgl/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py \\
        work_dirs/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px/epoch_8.pth \\
        --out-dir figures/label_clouds
"""
import argparse
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.utils.config_loading import (add_config_arguments,
                                        build_model_and_loader, load_config)
from mmmlc.visualization import collect_scene_predictions


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='Label cloud (or ranked bars) per learned scene, PNG.')
    add_config_arguments(
        parser, 'the SALGL config', with_checkpoint=True,
        splits=('train', 'val', 'test'))
    parser.add_argument('--out-dir', default='label_clouds', help='PNG folder')
    parser.add_argument(
        '--source',
        choices=['predictions', 'comatrix'],
        default='predictions',
        help='scene of each image from the model (predictions) or the '
        'training counts in neck.comatrix')
    parser.add_argument(
        '--style', choices=['auto', 'wordcloud', 'bars'], default='auto')
    return parser.parse_args(argv)


def scene_label_counts(pred_scenes: Sequence[int],
                       labels: Sequence[Sequence[int]], num_scenes: int,
                       num_classes: int) -> np.ndarray:
    """How often each label occurs in the images of each predicted scene.

    Args:
        pred_scenes (Sequence[int]): Scene index of each image.
        labels (Sequence[Sequence[int]]): Class indices of each image.
        num_scenes (int): K.
        num_classes (int): C.

    Returns:
        np.ndarray: int64 (K, C); entry (k, c) counts the images of scene k
        that have label c (the diagonal of SALGL's ``comatrix[k]`` when the
        scenes are the model's hard choices).
    """
    if len(pred_scenes) != len(labels):
        raise ValueError(f'{len(pred_scenes)} scene predictions but '
                         f'{len(labels)} label lists')
    counts = np.zeros((num_scenes, num_classes), dtype=np.int64)
    for scene, image_labels in zip(pred_scenes, labels):
        if not 0 <= int(scene) < num_scenes:
            raise ValueError(f'scene {scene} is outside 0..{num_scenes - 1}')
        counts[int(scene), list(image_labels)] += 1
    return counts


def label_scene_shares(counts: np.ndarray) -> np.ndarray:
    """Share of each label's occurrences that fall in each scene.

    The weight of a word in the reference's label clouds
    (docs/reference/salgl.md): ``w[k, j] = d[k, j] / sum_k d[k, j]`` with
    ``d[k, j]`` the count of label j in scene k (``comatrix[k, j, j]``).
    A label never seen gets weight 0 everywhere (the reference divides by
    zero there).

    Args:
        counts (np.ndarray): (K, C) counts or ``comatrix`` diagonals.

    Returns:
        np.ndarray: float64 (K, C), columns summing to 1 (or 0).
    """
    counts = np.asarray(counts, dtype=np.float64)
    totals = counts.sum(axis=0, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts),
                     where=totals > 0)


def wordcloud_available() -> bool:
    """Whether the optional ``wordcloud`` package can be imported."""
    try:
        import wordcloud  # noqa: F401
    except ImportError:
        return False
    return True


def draw_label_cloud(weights: np.ndarray,
                     names: Sequence[str],
                     out_file: str,
                     title: Optional[str] = None,
                     style: str = 'auto',
                     top_k: int = 20,
                     seed: int = 0) -> str:
    """Write the label cloud of one scene as a PNG.

    Word sizes follow the reference's ``labelcloud.py``:
    ``floor(200 * w)`` for the share ``w`` of a label's occurrences that
    fell in this scene; labels of weight 0 are left out.

    Args:
        weights (np.ndarray): (C,) weight of each label in this scene.
        names (Sequence[str]): Class names, C of them.
        out_file (str): PNG path.
        title (str, optional): Figure title (bar chart only; a word cloud
            has none, as the paper's).
        style (str): ``'wordcloud'``, ``'bars'`` or ``'auto'`` (word cloud
            when the package is installed). Defaults to ``'auto'``.
        top_k (int): Bars shown in the bar chart. Defaults to 20.
        seed (int): Layout seed of the word cloud. Defaults to 0.

    Returns:
        str: The style used, ``'wordcloud'`` or ``'bars'``.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(names), ):
        raise ValueError(f'{len(names)} class names but weights of shape '
                         f'{weights.shape}')
    if style not in ('auto', 'wordcloud', 'bars'):
        raise ValueError(f"style must be 'auto', 'wordcloud' or 'bars', "
                         f'got {style!r}')
    if style == 'auto':
        style = 'wordcloud' if wordcloud_available() else 'bars'
    sizes = {
        name: int(np.floor(200 * w))
        for name, w in zip(names, weights) if np.floor(200 * w) > 0
    }
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    if style == 'wordcloud':
        from wordcloud import WordCloud
        if not sizes:
            raise ValueError(f'{out_file}: no label has weight in this scene')
        cloud = WordCloud(
            background_color='white', random_state=seed,
            width=800, height=400).generate_from_frequencies(sizes)
        cloud.to_file(out_file)
        return style
    order = np.argsort(-weights, kind='stable')[:top_k]
    order = [i for i in order if weights[i] > 0]
    fig, ax = plt.subplots(figsize=(6, 0.3 * max(len(order), 3) + 1.2))
    ax.barh(range(len(order)), weights[order], color='#c0392b')
    ax.set_yticks(range(len(order)), [names[i] for i in order])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel('share of the label\'s occurrences in this scene')
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(out_file, dpi=120)
    plt.close(fig)
    return style


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Write one PNG per scene; return the files written."""
    args = parse_args(argv)
    model, loader = build_model_and_loader(
        load_config(args.config, args.cfg_options), args.checkpoint,
        args.split)
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

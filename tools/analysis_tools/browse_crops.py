"""Draw what a config's crop strategy makes of N training images.

Example::

    python tools/analysis_tools/browse_crops.py \\
        configs/objcrop/<scene-scene config>.py \\
        configs/objcrop/<object-object+dilate config>.py \\
        --num 6 --out crops.png

For each config (one strategy) and each of N images of its train dataset,
one row: the source image with the boxes of the sample (thin white), the
chosen object box (yellow) and where each view came from (view 1 red,
view 2 blue; solid: the crop transform's ``crop_box``, dashed: the region
a ``RandomResizedCrop`` then took), followed by the two views as the model
would see them before packing (after the photometric steps; BGR shown as
RGB). View 1 is the query (after ``RandomViewSwap``). The pipeline runs
step by step up to ``PackInputs``; samples are the same indices in every
config's dataset (``--seed``).
"""
import argparse
import copy
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.config import DictAction

VIEW_COLORS = ('red', 'dodgerblue', 'orange', 'lime')
STOP_AT = ('PackInputs', 'PackMultiTaskInputs', 'Normalize', 'ImageToTensor',
           'ToTensor')


def parse_args(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='Draw the views a crop strategy makes, into a PNG.')
    parser.add_argument('configs', nargs='+', help='config file(s)')
    parser.add_argument('--num', type=int, default=6, help='images')
    parser.add_argument('--out', default='crops.png', help='output PNG')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of every config, e.g. '
        'train_dataloader.dataset.data_root=data/ds')
    return parser.parse_args(argv)


def _region(box, shape) -> np.ndarray:
    """A float region ``x1, y1, x2, y2`` (default: the whole image)."""
    if box is None:
        return np.array([0.0, 0.0, shape[1], shape[0]])
    return np.asarray(box, np.float64).reshape(4)


def _flatten(steps) -> list:
    """Steps of nested ``Compose`` transforms, in order."""
    from mmcv.transforms import Compose
    flat = []
    for step in steps:
        if isinstance(step, Compose):
            flat.extend(_flatten(step.transforms))
        else:
            flat.append(step)
    return flat


def trace_view(pipeline, results: dict) -> dict:
    """Run one view pipeline up to packing, tracking source regions.

    Args:
        pipeline: An mmcv ``Compose`` (a ``MultiView`` view pipeline).
        results (dict): A copy of the sample before ``MultiView``.

    Returns:
        dict: ``img`` (the view), ``crop_box`` (source pixels of the crop
        transform, None if there was none), ``rrc_box`` (source pixels of
        the RandomResizedCrop region, or None), ``names`` (steps run),
        ``crop_step`` (the crop transform, described) and ``flip``.
    """
    from mmpretrain.datasets.transforms import RandomResizedCrop
    region = _region(None, np.asarray(results['img']).shape)
    crop_box = rrc_box = None
    names, crop_step = [], ''
    for step in _flatten(pipeline.transforms):
        name = type(step).__name__
        if name in STOP_AT:
            break
        names.append(name)
        before = results.get('crop_box')
        if isinstance(step, RandomResizedCrop):
            shape = np.asarray(results['img']).shape
            # Draw the parameters, then let the step redraw the same ones
            # (mmcv's cache_random_params double-counts this method).
            state = np.random.get_state()
            top, left, height, width = step.rand_crop_params(results['img'])
            np.random.set_state(state)
            results = step(results)
            sx = (region[2] - region[0]) / shape[1]
            sy = (region[3] - region[1]) / shape[0]
            region = np.array([
                region[0] + left * sx, region[1] + top * sy,
                region[0] + (left + width) * sx,
                region[1] + (top + height) * sy
            ])
            rrc_box = region
        else:
            results = step(results)
        if results.get('crop_box') is not None and \
                results.get('crop_box') is not before:
            crop_box = region = _region(results['crop_box'], None)
            crop_step = name
            if getattr(step, 'dilation', 0):
                crop_step += f' d={step.dilation:g}'
            if getattr(step, 'faithful', False):
                crop_step += ' faithful'
    return dict(
        img=np.asarray(results['img']),
        crop_box=crop_box,
        rrc_box=rrc_box,
        names=names,
        crop_step=crop_step,
        flip=bool(results.get('flip', False)))


def trace_sample(transforms: list, info: dict) -> dict:
    """Run a train pipeline on one data_info, recording every view.

    Args:
        transforms (list): Built top-level transforms of the pipeline.
        info (dict): The dataset's data_info.

    Returns:
        dict: ``source`` image, ``boxes`` of the sample, ``object_box``,
        ``views`` (list of :func:`trace_view` dicts, query first) and
        ``swapped``.
    """
    from mmpretrain.datasets.transforms import MultiView
    results = copy.deepcopy(info)
    source, views, swapped = None, None, False
    for step in transforms:
        name = type(step).__name__
        if name in STOP_AT:
            break
        if isinstance(step, MultiView):
            source = results['img']
            views = [trace_view(pipe, copy.deepcopy(results))
                     for pipe in step.transforms]
            results['img'] = [view['img'] for view in views]
            continue
        results = step(results)
        if name == 'RandomViewSwap' and results.get('views_swapped'):
            views = views[::-1]
            swapped = True
    if views is None:
        # A single-view (supervised) pipeline: show its one output.
        source = source if source is not None else results['img']
        views = [dict(img=np.asarray(results['img']), crop_box=None,
                      rrc_box=None, names=[], crop_step='', flip=False)]
    boxes = results.get('proposals')
    if boxes is None:
        boxes = results.get('gt_bboxes')
    return dict(
        source=source,
        boxes=np.zeros((0, 4)) if boxes is None else np.asarray(boxes),
        object_box=results.get('object_box'),
        views=views,
        swapped=swapped)


def load_strategy(config: str, cfg_options: Optional[dict]):
    """Build a config's train dataset and its train transforms.

    The tool runs the transforms itself, one by one, on the dataset's raw
    data infos (``get_data_info``).

    Args:
        config (str): Config path.
        cfg_options (dict, optional): Overrides.

    Returns:
        tuple: ``(dataset, transforms)``.
    """
    from mmcv.transforms import Compose
    import mmmlc.datasets  # noqa: F401  (registers datasets, transforms)
    from mmmlc.registry import DATASETS
    from mmmlc.utils.config_loading import load_config
    from mmmlc.utils.synthetic_batch import find_train_pipeline
    cfg = load_config(config, cfg_options)
    return (DATASETS.build(cfg.train_dataloader.dataset),
            Compose(find_train_pipeline(cfg)).transforms)


def _rect(ax, box, color, width=1.5, style='-'):
    """Draw one box on an axis."""
    from matplotlib.patches import Rectangle
    x1, y1, x2, y2 = (float(v) for v in box)
    ax.add_patch(
        Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color,
                  linewidth=width, linestyle=style))


def draw_grid(rows: List[dict], out: str) -> None:
    """Save the traced samples as a PNG grid (one row per sample).

    Args:
        rows (list[dict]): :func:`trace_sample` outputs plus ``title``.
        out (str): PNG path.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    cols = 1 + max(len(row['views']) for row in rows)
    fig, axes = plt.subplots(
        len(rows), cols, figsize=(2.6 * cols, 2.7 * len(rows)),
        squeeze=False)
    for axis_row, row in zip(axes, rows):
        ax = axis_row[0]
        src = np.asarray(row['source'])
        ax.imshow(src[..., ::-1] if src.ndim == 3 else src, cmap='gray')
        extent = [0.0, 0.0, src.shape[1], src.shape[0]]
        for box in row['boxes']:
            _rect(ax, box, 'white', 0.8)
        if row['object_box'] is not None:
            _rect(ax, row['object_box'], 'yellow', 2.0)
        for i, view in enumerate(row['views']):
            color = VIEW_COLORS[i % len(VIEW_COLORS)]
            for key, style in (('crop_box', '-'), ('rrc_box', '--')):
                if view[key] is not None:
                    _rect(ax, view[key], color, 1.5, style)
                    extent = [min(extent[0], view[key][0]),
                              min(extent[1], view[key][1]),
                              max(extent[2], view[key][2]),
                              max(extent[3], view[key][3])]
        # Faithful crops may leave the image (black padding): show them.
        ax.set_xlim(extent[0] - 1, extent[2] + 1)
        ax.set_ylim(extent[3] + 1, extent[1] - 1)
        ax.set_title(row['title'], fontsize=7)
        for i, view in enumerate(row['views']):
            ax = axis_row[1 + i]
            img = view['img']
            ax.imshow(img[..., ::-1] if img.ndim == 3 else img, cmap='gray')
            step = view['crop_step'] or ('RRC' if view['rrc_box'] is not None
                                         else '')
            ax.set_title(
                f'view {i + 1}{" (query)" if i == 0 else ""} {step}'
                f'{" flip" if view["flip"] else ""}\n'
                f'{img.shape[1]}x{img.shape[0]}',
                fontsize=7,
                color=VIEW_COLORS[i % len(VIEW_COLORS)])
        for ax in axis_row[1 + len(row['views']):]:
            ax.set_visible(False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv=None) -> None:
    """Command-line entry point."""
    args = parse_args(argv)
    rows = []
    for config in args.configs:
        dataset, transforms = load_strategy(config, args.cfg_options)
        rng = np.random.default_rng(args.seed)
        indices = rng.choice(
            len(dataset), size=min(args.num, len(dataset)), replace=False)
        np.random.seed(args.seed)
        for index in indices:
            info = dataset.get_data_info(int(index))
            row = trace_sample(transforms, info)
            name = info.get('img_id', osp.basename(info.get('img_path', '')))
            row['title'] = (f'{osp.splitext(osp.basename(config))[0][:40]}\n'
                            f'{name}{" swapped" if row["swapped"] else ""}')
            rows.append(row)
    draw_grid(rows, args.out)
    print(f'Wrote {len(rows)} rows to {args.out}')


if __name__ == '__main__':
    main()

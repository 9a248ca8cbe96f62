"""Per-scene conditional label co-occurrence heatmaps of a SALGL checkpoint.

Reads ``neck.comatrix`` (K, C, C) from the checkpoint's ``state_dict`` (the
EMA weights when training used the EMA hook, as the paper's figures) and
draws, for each chosen scene k, ``P(j | i, k) = M^k_ij / (M^k_ii + 1e-8)``
with the diagonal zeroed and no row normalisation (the reference's
``heatmap.py``; docs/reference/salgl.md), rows = conditioning label,
colour range [0, 1]. Class names come from the checkpoint's
``meta.dataset_meta.classes`` (written by the Runner) or ``--classes``.

Which labels: ``--labels`` (names), else all classes when C <= 20, else the
``--top`` most frequent labels of each scene. The reference hard-coded its
groups for the released COCO model (e.g. scene 0 with bicycle, car,
motorcycle, bus, person, train, truck, traffic light, stop sign, parking
meter); pass them with ``--scenes`` and ``--labels``.

Example::

    python tools/analysis_tools/cooccurrence_heatmap.py \\
        work_dirs/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px/epoch_8.pth \\
        --out-dir figures/heatmaps
"""
import argparse
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
import torch

import mmmlc  # noqa: F401  (allow-lists mmengine's checkpoint objects)
from mmmlc.models.utils import cooccurrence_to_transition


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='Per-scene conditional co-occurrence heatmaps (PNG).')
    parser.add_argument('checkpoint', help='SALGL checkpoint')
    parser.add_argument('--out-dir', default='heatmaps', help='PNG folder')
    parser.add_argument(
        '--scenes', type=int, nargs='+', help='scene ids (default: all)')
    parser.add_argument(
        '--labels', nargs='+', help='class names to show (default: see doc)')
    parser.add_argument(
        '--top', type=int, default=10, help='labels per scene when C > 20')
    parser.add_argument(
        '--classes', help='class list file (one name per line)')
    parser.add_argument('--dpi', type=int, default=200)
    return parser.parse_args(argv)


def conditional_cooccurrence(comatrix: np.ndarray) -> np.ndarray:
    """``P(j | i, scene k)`` as the reference's heatmaps show it.

    ``P^k_ij = M^k_ij / (M^k_ii + 1e-8)`` with the diagonal zeroed and no
    row normalisation (the reference's ``heatmap.py``), computed by the
    model's own :func:`cooccurrence_to_transition`.

    Args:
        comatrix (np.ndarray): Counts M, (K, C, C).

    Returns:
        np.ndarray: float32 (K, C, C), row i conditioned on label i.
    """
    comatrix = torch.as_tensor(np.asarray(comatrix), dtype=torch.float32)
    if comatrix.dim() != 3 or comatrix.shape[1] != comatrix.shape[2]:
        raise ValueError('expected a (K, C, C) co-occurrence tensor, got '
                         f'shape {tuple(comatrix.shape)}')
    return cooccurrence_to_transition(
        comatrix, ignore_self=True, normalize=False).numpy()


def draw_cooccurrence_heatmap(matrix: np.ndarray,
                              names: Sequence[str],
                              out_file: str,
                              title: Optional[str] = None,
                              cmap: str = 'magma',
                              dpi: int = 200,
                              annotate: bool = True) -> None:
    """Write one (L, L) conditional co-occurrence matrix as a PNG heatmap.

    Rows are the conditioning label (as the paper), the colour range is
    fixed to [0, 1], x labels are rotated by 45 degrees. ``magma`` stands
    in for seaborn's ``rocket`` (not a dependency).

    Args:
        matrix (np.ndarray): (L, L) values in [0, 1].
        names (Sequence[str]): L label names.
        out_file (str): PNG path.
        title (str, optional): Title.
        cmap (str): Matplotlib colour map. Defaults to ``'magma'``.
        dpi (int): Resolution. Defaults to 200.
        annotate (bool): Print values in the cells (when L <= 12).
            Defaults to True.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape != (len(names), len(names)):
        raise ValueError(f'{len(names)} names but a matrix of shape '
                         f'{matrix.shape}')
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    side = max(4.0, 0.45 * len(names) + 2.0)
    fig, ax = plt.subplots(figsize=(side + 1.0, side))
    image = ax.imshow(matrix, cmap=cmap, vmin=0.0, vmax=1.0)
    ax.set_xticks(range(len(names)), names, rotation=45, ha='right')
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel('label j')
    ax.set_ylabel('given label i')
    for spine in ax.spines.values():
        spine.set_visible(False)
    if annotate and len(names) <= 12:
        for i in range(len(names)):
            for j in range(len(names)):
                ax.text(j, i, f'{matrix[i, j]:.2f}', ha='center',
                        va='center', fontsize=7,
                        color='white' if matrix[i, j] < 0.6 else 'black')
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    bar.outline.set_visible(False)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(out_file, dpi=dpi)
    plt.close(fig)


def load_comatrix(path: str):
    """``neck.comatrix`` and the class names stored in a checkpoint.

    Args:
        path (str): Checkpoint file.

    Returns:
        tuple: ``(comatrix (K, C, C) float32 array, class names or None)``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    ckpt = torch.load(path, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or 'neck.comatrix' not in state:
        raise ValueError(f'{path}: no neck.comatrix in the state dict; '
                         'expected a SALGL checkpoint written by mmmlc (use '
                         'tools/model_converters/salgl_official_to_mmmlc.py '
                         'for the official ones)')
    comatrix = state['neck.comatrix'].float().numpy()
    meta = ckpt.get('meta') or {}
    classes = (meta.get('dataset_meta') or {}).get('classes')
    return comatrix, (list(classes) if classes else None)


def choose_labels(counts: np.ndarray, names: List[str],
                  wanted: Optional[Sequence[str]], top: int) -> List[int]:
    """Indices of the labels shown for one scene.

    Args:
        counts (np.ndarray): (C,) label counts of the scene (diagonal).
        names (list[str]): Class names.
        wanted (Sequence[str], optional): Names asked for.
        top (int): How many of the most frequent labels when C > 20.

    Returns:
        list[int]: Class indices.
    """
    if wanted:
        unknown = [n for n in wanted if n not in names]
        if unknown:
            raise ValueError(f'unknown class names {unknown}; the classes '
                             f'are {names}')
        return [names.index(n) for n in wanted]
    if len(names) <= 20:
        return list(range(len(names)))
    return [int(i) for i in np.argsort(-counts, kind='stable')[:top]]


def main(argv: Optional[Sequence[str]] = None) -> List[str]:
    """Write one heatmap per scene; return the PNG files written."""
    args = parse_args(argv)
    comatrix, names = load_comatrix(args.checkpoint)
    num_scenes, num_classes = comatrix.shape[:2]
    if args.classes:
        with open(args.classes, encoding='utf-8') as f:
            names = [line.strip() for line in f if line.strip()]
    if names is None:
        names = [str(i) for i in range(num_classes)]
    if len(names) != num_classes:
        raise ValueError(f'{len(names)} class names but the checkpoint '
                         f'{args.checkpoint} has num_classes={num_classes}')
    scenes = args.scenes if args.scenes else list(range(num_scenes))
    bad = [k for k in scenes if not 0 <= k < num_scenes]
    if bad:
        raise ValueError(f'scenes {bad} do not exist: the checkpoint has '
                         f'num_scenes={num_scenes}')
    prob = conditional_cooccurrence(comatrix)
    os.makedirs(args.out_dir, exist_ok=True)
    written = []
    for k in scenes:
        counts = np.diagonal(comatrix[k])
        chosen = choose_labels(counts, names, args.labels, args.top)
        out_file = osp.join(args.out_dir, f'heatmap_scene{k}.png')
        images = counts.sum()
        draw_cooccurrence_heatmap(
            prob[k][np.ix_(chosen, chosen)], [names[i] for i in chosen],
            out_file,
            title=f'scene {k}: P(j | i)  ({images:.0f} label occurrences)',
            dpi=args.dpi)
        written.append(out_file)
        print(f'scene {k}: {out_file}')
    return written


if __name__ == '__main__':
    main()

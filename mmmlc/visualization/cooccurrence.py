"""Per-scene conditional label co-occurrence heatmap (matplotlib, Agg)."""
from typing import Optional, Sequence

import numpy as np
import torch

from mmmlc.models.utils import cooccurrence_to_transition


def conditional_cooccurrence(comatrix: np.ndarray) -> np.ndarray:
    """``P(j | i, scene k)`` as the reference's heatmaps show it.

    ``P^k_ij = M^k_ij / (M^k_ii + 1e-8)`` with the diagonal zeroed and no
    row normalisation (spec ``methods/salgl.md`` §6), computed by the
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

"""Label cloud of one scene: a word cloud when ``wordcloud`` is installed,
else a ranked bar chart (matplotlib, Agg)."""
from typing import Optional, Sequence

import numpy as np


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

    Word sizes follow the reference (spec ``methods/salgl.md`` §6):
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

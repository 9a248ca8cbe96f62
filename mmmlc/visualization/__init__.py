"""Figures and scene statistics (matplotlib is imported only when drawing)."""
from .cooccurrence import conditional_cooccurrence, draw_cooccurrence_heatmap
from .label_cloud import draw_label_cloud, wordcloud_available
from .scene_analysis import (collect_scene_predictions, label_scene_shares,
                             scene_label_counts, scene_purity)

__all__ = [
    'conditional_cooccurrence', 'draw_cooccurrence_heatmap',
    'draw_label_cloud', 'wordcloud_available', 'collect_scene_predictions',
    'label_scene_shares', 'scene_label_counts', 'scene_purity'
]

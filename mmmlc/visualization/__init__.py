"""What a trained model predicts, gathered for figures and statistics."""
from .scene_analysis import collect_scene_predictions

__all__ = ['collect_scene_predictions']

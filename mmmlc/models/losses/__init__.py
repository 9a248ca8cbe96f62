"""Registered losses."""
from .scaled_asymmetric_loss import (ScaledAsymmetricLoss,
                                     scaled_asymmetric_loss)
from .scene_entropy_loss import (SceneBalanceLoss, SceneEntropyLoss,
                                 batch_scene_balance, sample_scene_entropy,
                                 scene_entropy)

__all__ = [
    'ScaledAsymmetricLoss', 'scaled_asymmetric_loss', 'SceneBalanceLoss',
    'SceneEntropyLoss', 'batch_scene_balance', 'sample_scene_entropy',
    'scene_entropy'
]

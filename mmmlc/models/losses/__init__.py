"""Registered losses."""
from .scaled_asymmetric_loss import (ScaledAsymmetricLoss,
                                     scaled_asymmetric_loss)
from .label_supcon_loss import (LabelSupConLoss, hard_negative_mask,
                                supcon_loss)
from .scene_entropy_loss import (SceneBalanceLoss, SceneEntropyLoss,
                                 batch_scene_balance, sample_scene_entropy,
                                 scene_entropy)
from .swav_losses import (global_swapped_prediction_loss,
                          local_swapped_prediction_loss,
                          local_to_global_prediction_loss)

__all__ = [
    'ScaledAsymmetricLoss', 'scaled_asymmetric_loss', 'LabelSupConLoss',
    'hard_negative_mask', 'supcon_loss', 'SceneBalanceLoss',
    'SceneEntropyLoss', 'batch_scene_balance', 'sample_scene_entropy',
    'scene_entropy', 'global_swapped_prediction_loss',
    'local_swapped_prediction_loss', 'local_to_global_prediction_loss'
]

"""SALGL's two scene-entropy terms: confident and balanced scene use."""
import math

import torch
import torch.nn as nn
from torch import Tensor

from mmmlc.registry import MODELS

__all__ = [
    'scene_entropy', 'sample_scene_entropy', 'batch_scene_balance',
    'SceneEntropyLoss', 'SceneBalanceLoss'
]


def scene_entropy(probs: Tensor, eps: float = 1e-7) -> Tensor:
    """Entropy along the last dimension, with eps inside the log.

    .. math:: H(q) = -\\sum_k q_k \\log(q_k + \\epsilon)

    Args:
        probs (Tensor): Probabilities (..., K).
        eps (float): Defaults to 1e-7 (the reference's).

    Returns:
        Tensor: (...,).
    """
    return -(probs * torch.log(probs + eps)).sum(dim=-1)


def sample_scene_entropy(scene_probs: Tensor, eps: float = 1e-7) -> Tensor:
    """Mean per-image scene entropy, pushing each image to one scene.

    .. math:: L_{sample} = \\frac{1}{B} \\sum_b H(\\pi_b)

    Args:
        scene_probs (Tensor): pi, (B, K).
        eps (float): See :func:`scene_entropy`.

    Returns:
        Tensor: Scalar.
    """
    return scene_entropy(scene_probs.float(), eps).mean()


def batch_scene_balance(scene_probs: Tensor,
                        eps: float = 1e-7,
                        scale: float = 100.0) -> Tensor:
    """Entropy gap of the batch's mean scene distribution to uniform.

    .. math::
        L_{batch} = s \\, (H(u_K) - H(\\bar\\pi)), \\quad
        \\bar\\pi = \\frac{1}{B}\\sum_b \\pi_b

    ``H(u_K)`` is computed with the same eps, so the term is 0 for a
    uniform mean. The mean is over this process's batch only (as in the
    reference, also under DDP).

    Args:
        scene_probs (Tensor): pi, (B, K).
        eps (float): See :func:`scene_entropy`.
        scale (float): s. Defaults to 100 (the reference's).

    Returns:
        Tensor: Scalar.
    """
    num_scenes = scene_probs.shape[-1]
    uniform = 1.0 / num_scenes
    max_entropy = -num_scenes * uniform * math.log(uniform + eps)
    mean_probs = scene_probs.float().mean(dim=0)
    return scale * (max_entropy - scene_entropy(mean_probs, eps))


@MODELS.register_module()
class SceneEntropyLoss(nn.Module):
    """Registered :func:`sample_scene_entropy` (SALGL's ``sample_en``).

    Zhu et al., ICCV 2023 (docs/reference/salgl.md, "Losses"). Weight 1 in
    the released recipe (third-party reproduction; the official training
    loop is unreleased).

    Args:
        loss_weight (float): Multiplier. Defaults to 1.
        eps (float): Inside the log. Defaults to 1e-7.
    """

    def __init__(self, loss_weight: float = 1.0, eps: float = 1e-7) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.eps = eps

    def forward(self, scene_probs: Tensor) -> Tensor:
        """Compute the term.

        Args:
            scene_probs (Tensor): Scene probabilities pi, (B, K).

        Returns:
            Tensor: Scalar.
        """
        return self.loss_weight * sample_scene_entropy(scene_probs, self.eps)


@MODELS.register_module()
class SceneBalanceLoss(nn.Module):
    """Registered :func:`batch_scene_balance` (SALGL's ``batch_en``).

    Zhu et al., ICCV 2023 (docs/reference/salgl.md, "Losses"): the paper's
    :math:`\\sum_k \\bar\\pi_k \\log \\bar\\pi_k - \\log(1/K)`, times 100
    in the code. ``scale`` is that 100, ``loss_weight`` the weight of the
    term in the total (1 in the released recipe).

    Args:
        loss_weight (float): Multiplier. Defaults to 1.
        scale (float): Built-in factor of the reference. Defaults to 100.
        eps (float): Inside the log. Defaults to 1e-7.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 scale: float = 100.0,
                 eps: float = 1e-7) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.scale = scale
        self.eps = eps

    def forward(self, scene_probs: Tensor) -> Tensor:
        """Compute the term.

        Args:
            scene_probs (Tensor): Scene probabilities pi, (B, K).

        Returns:
            Tensor: Scalar.
        """
        return self.loss_weight * batch_scene_balance(
            scene_probs, self.eps, self.scale)

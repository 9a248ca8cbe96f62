"""Asymmetric loss summed and rescaled as in the SALGL reference."""
import torch
import torch.nn as nn
from torch import Tensor

from mmmlc.registry import MODELS

__all__ = ['scaled_asymmetric_loss', 'ScaledAsymmetricLoss']


def scaled_asymmetric_loss(logits: Tensor,
                           targets: Tensor,
                           gamma_pos: float = 0.0,
                           gamma_neg: float = 2.0,
                           clip: float = 0.0,
                           eps: float = 1e-5,
                           scale: float = 1000.0) -> Tensor:
    """Asymmetric loss, summed, divided by B*C and multiplied by ``scale``.

    Ridnik et al., "Asymmetric Loss For Multi-Label Classification",
    ICCV 2021, in the form SALGL trains with (docs/reference/salgl.md,
    "Losses"):

    .. math::
        p = \\sigma(x), \\quad p_- = \\min(1 - p + m, 1) \\;(m > 0)
        \\text{ else } 1 - p

        \\ell = y \\log(\\max(p, \\epsilon))
              + (1 - y) \\log(\\max(p_-, \\epsilon))

        w = (1 - p y - p_- (1 - y))^{\\gamma_+ y + \\gamma_- (1 - y)}
        \\quad \\text{(no gradient)}

        L = -\\frac{s}{B C} \\sum_{b,c} w \\, \\ell

    For binary y, ``w`` is ``(1 - p)^gamma+`` on positives and
    ``(1 - p_-)^gamma-`` on negatives. The scale ``s = 1000`` fixes the
    balance against the scene-entropy terms: keep it with them.

    Args:
        logits (Tensor): x, (B, C).
        targets (Tensor): y in [0, 1], (B, C).
        gamma_pos (float): gamma+. Defaults to 0.
        gamma_neg (float): gamma-. Defaults to 2 (SALGL; ASL's paper
            uses 4).
        clip (float): Probability margin m on negatives. Defaults to 0
            (SALGL; ASL's paper uses 0.05).
        eps (float): Lower clamp of the probabilities in the logs.
            Defaults to 1e-5.
        scale (float): s. Defaults to 1000.

    Returns:
        Tensor: Scalar loss, float32 (float64 for float64 inputs).
    """
    dtype = torch.promote_types(logits.dtype, torch.float32)
    logits = logits.to(dtype)
    targets = targets.to(dtype)
    prob_pos = torch.sigmoid(logits)
    prob_neg = 1 - prob_pos
    if clip > 0:
        prob_neg = (prob_neg + clip).clamp(max=1)
    log_likelihood = (targets * torch.log(prob_pos.clamp(min=eps)) +
                      (1 - targets) * torch.log(prob_neg.clamp(min=eps)))
    if gamma_pos > 0 or gamma_neg > 0:
        # The reference detaches the focusing weight: it scales each
        # element's gradient without adding its own term.
        with torch.no_grad():
            base = 1 - prob_pos * targets - prob_neg * (1 - targets)
            exponent = gamma_pos * targets + gamma_neg * (1 - targets)
            focusing = torch.pow(base, exponent)
        log_likelihood = log_likelihood * focusing
    return -log_likelihood.sum() * (scale / logits.numel())


@MODELS.register_module()
class ScaledAsymmetricLoss(nn.Module):
    """Registered wrapper of :func:`scaled_asymmetric_loss`.

    SALGL's released setting: ``gamma_pos=0, gamma_neg=2, clip=0,
    eps=1e-5, scale=1000``. With gamma+ = 0 and m = 0 positives get plain
    BCE and negatives BCE weighted by p^2. At logits 0 on COCO (about 2.9
    positives per image) it is about (1000/80)(2.9 + 77.1/4) ln 2 = 192.

    Not mmpretrain's ``AsymmetricLoss`` (mean over elements, no scale).

    Args:
        gamma_pos (float): gamma+. Defaults to 0.
        gamma_neg (float): gamma-. Defaults to 2.
        clip (float): Negative probability margin m. Defaults to 0.
        eps (float): Probability clamp. Defaults to 1e-5.
        scale (float): Multiplier of the per-element mean. Defaults to
            1000.
        loss_weight (float): Extra multiplier. Defaults to 1.
    """

    def __init__(self,
                 gamma_pos: float = 0.0,
                 gamma_neg: float = 2.0,
                 clip: float = 0.0,
                 eps: float = 1e-5,
                 scale: float = 1000.0,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        self.gamma_pos = gamma_pos
        self.gamma_neg = gamma_neg
        self.clip = clip
        self.eps = eps
        self.scale = scale
        self.loss_weight = loss_weight

    def forward(self, logits: Tensor, targets: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            logits (Tensor): (B, C).
            targets (Tensor): (B, C) multi-hot or soft targets.

        Returns:
            Tensor: Scalar.
        """
        return self.loss_weight * scaled_asymmetric_loss(
            logits, targets, self.gamma_pos, self.gamma_neg, self.clip,
            self.eps, self.scale)

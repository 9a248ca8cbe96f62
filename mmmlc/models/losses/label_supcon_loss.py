"""MulCon's label-level supervised contrastive loss."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.dist import all_gather, get_world_size
from torch import Tensor

from mmmlc.registry import MODELS

__all__ = ['supcon_loss', 'hard_negative_mask', 'LabelSupConLoss']


def supcon_loss(embeddings: Tensor,
                classes: Tensor,
                present: Optional[Tensor] = None,
                temperature: float = 0.2,
                base_temperature: float = 0.2,
                extra_negatives: Optional[Tensor] = None) -> Tensor:
    r"""Supervised contrastive loss (the "L_out" form) over a masked set.

    Dao et al., Neurocomputing 2023, Sec. 3.3 (after Khosla et al., 2020).
    Over the entries I = {i : present_i} with anchor i, positives
    P(i) = {p in I \ {i} : class_p = class_i} and contrast set
    A(i) = I \ {i} (plus the ``extra_negatives``):

    .. math::
        \ell_i = -\frac{\tau}{\tau_b} \frac{1}{\max(|P(i)|, 1)}
                 \sum_{p \in P(i)} \Big[ z_i \cdot z_p / \tau
                 - \log \sum_{a \in A(i)} \exp(z_i \cdot z_a / \tau) \Big],
        \qquad L = \frac{1}{|I|} \sum_{i \in I} \ell_i

    An anchor with no positive adds 0 but still counts in |I|; with no
    present entry the loss is 0. Absent entries take no part at all. The
    computation is dense over all M entries (masks, no indexing by the
    data), so it never reads the device from the host. At least float32
    (float64 inputs stay float64).

    Args:
        embeddings (Tensor): z (M, E), L2-normalised rows.
        classes (Tensor): Class of every entry, (M,) integer.
        present (Tensor, optional): (M,) bool, the entries that are anchors
            and contrast entries. Defaults to all.
        temperature (float): tau. Defaults to 0.2.
        base_temperature (float): tau_b. Defaults to 0.2.
        extra_negatives (Tensor, optional): (M,) bool, entries added to
            every contrast set but never anchors or positives (the hard
            negatives of :func:`hard_negative_mask`).

    Returns:
        Tensor: The scalar loss (float32, or float64 for float64 input).
    """
    z = embeddings.to(torch.promote_types(embeddings.dtype, torch.float32))
    num = z.shape[0]
    if present is None:
        present = torch.ones(num, dtype=torch.bool, device=z.device)
    present = present.bool()
    contrast = present if extra_negatives is None else (
        present | extra_negatives.bool())
    not_self = ~torch.eye(num, dtype=torch.bool, device=z.device)
    logits = z @ z.t() / temperature  # (M, M)
    in_denominator = contrast.unsqueeze(0) & not_self  # (M, M)
    positive = (classes.unsqueeze(0) == classes.unsqueeze(1)
                ) & present.unsqueeze(0) & not_self  # (M, M)
    # A finite fill keeps rows with an empty contrast set free of NaN
    # (their log-sum-exp is multiplied by zero positives below).
    fill = torch.finfo(logits.dtype).min
    log_norm = torch.logsumexp(
        logits.masked_fill(~in_denominator, fill), dim=1)  # (M,)
    num_pos = positive.sum(1).to(logits.dtype)  # (M,)
    pos_logits = (logits * positive).sum(1)  # (M,)
    per_anchor = -(temperature / base_temperature) * (
        pos_logits - num_pos * log_norm) / num_pos.clamp(min=1)  # (M,)
    anchors = present.to(logits.dtype)
    return (per_anchor * anchors).sum() / anchors.sum().clamp(min=1)


def hard_negative_mask(scores: Tensor, present: Tensor,
                       denominator_size: int) -> Tensor:
    """The absent entries that top up the contrast set to a size.

    If fewer than ``denominator_size`` entries are present, the
    ``denominator_size - |I|`` absent entries with the highest scores
    (classifier logits) join every contrast set (the reference's
    ``denominator_size`` knob, off by default). Ranked on the device.

    Args:
        scores (Tensor): (M,) logits of the entries.
        present (Tensor): (M,) bool.
        denominator_size (int): D.

    Returns:
        Tensor: (M,) bool.
    """
    present = present.bool()
    ranked = scores.detach().float().masked_fill(present, float('-inf'))
    order = ranked.argsort(descending=True)
    rank = torch.empty_like(order).scatter_(
        0, order, torch.arange(order.numel(), device=order.device))
    wanted = (denominator_size - present.sum()).clamp(min=0)
    return (rank < wanted) & ~present


@MODELS.register_module()
class LabelSupConLoss(nn.Module):
    """MulCon's label-level contrastive loss on (V, L, E) embeddings.

    Every (view, class) pair with a present label is one entry of
    :func:`supcon_loss`; its class is the label index, so positives are
    the same class in any image or view (always including the other view
    of the same image). ``loss = loss_weight * supcon_loss`` (MulCon:
    tau = tau_b = 0.2, weight 0.5).

    Under DDP (world size > 1) the embeddings are all-gathered with their
    gradient (``torch.distributed.nn.functional.all_gather``) and the
    targets without, so every rank computes the loss of the global batch,
    as one process over all views does; the all-gather's backward sums
    the ranks' gradients and DDP's average then gives the single-process
    gradient. Each rank's views must be [view 1; view 2] of its own
    images (as :class:`MulConClassifier` builds them); the loss does not
    depend on the order.

    Args:
        temperature (float): tau. Defaults to 0.2.
        base_temperature (float): tau_b. Defaults to 0.2.
        loss_weight (float): Defaults to 0.5.
        denominator_size (int): Top up the contrast set with hard
            negatives to this size (:func:`hard_negative_mask`); 0 is off
            (the reference's default). Defaults to 0.
        gather (bool): All-gather over the ranks under DDP; False keeps
            the per-rank loss. Defaults to True.
    """

    def __init__(self,
                 temperature: float = 0.2,
                 base_temperature: float = 0.2,
                 loss_weight: float = 0.5,
                 denominator_size: int = 0,
                 gather: bool = True) -> None:
        super().__init__()
        self.temperature = temperature
        self.base_temperature = base_temperature
        self.loss_weight = loss_weight
        self.denominator_size = denominator_size
        self.gather = gather

    def forward(self,
                embeddings: Tensor,
                targets: Tensor,
                logits: Optional[Tensor] = None) -> Tensor:
        """Weighted loss of a batch.

        Args:
            embeddings (Tensor): z (V, L, E), L2-normalised.
            targets (Tensor): Multi-hot (V, L); 1 marks a present label.
            logits (Tensor, optional): (V, L) classifier logits, needed
                when ``denominator_size > 0``.

        Returns:
            Tensor: Scalar.
        """
        if self.gather and get_world_size() > 1:
            embeddings = torch.cat(
                torch.distributed.nn.functional.all_gather(embeddings))
            targets = torch.cat(all_gather(targets.contiguous()))
            if logits is not None:
                logits = torch.cat(all_gather(logits.detach().contiguous()))
        views, num_classes = targets.shape
        classes = torch.arange(
            num_classes, device=targets.device).repeat(views)  # (V*L,)
        present = targets.reshape(-1) > 0.5  # (V*L,)
        extra = None
        if self.denominator_size > 0:
            if logits is None:
                raise ValueError('denominator_size > 0 needs the logits')
            extra = hard_negative_mask(logits.reshape(-1), present,
                                       self.denominator_size)
        loss = supcon_loss(
            embeddings.reshape(views * num_classes, -1), classes, present,
            self.temperature, self.base_temperature, extra)
        return self.loss_weight * loss

"""SwAV swapped prediction and GAELLE's local variants, as pure functions.

Notation of docs/reference/gaelle.md ("SwAV core"): temperature
:math:`\\tau`, codes q from
:func:`~mmmlc.models.utils.sinkhorn.sinkhorn_knopp` (no gradient), scores s
(gradient), and

.. math::
    \\mathrm{CE}(q, s) = -\\mathrm{mean}_\\mathrm{rows} \\sum_k q_k
    \\log\\mathrm{softmax}(s / \\tau)_k .

Every function takes all views at once and reduces them with one
einsum: no Python loop over views, samples or slots.
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def _pairwise_code_cross_entropy(codes: Tensor, scores: Tensor,
                                 temperature: float) -> Tensor:
    """CE(q_a, s_v) for every pair (a, v).

    Args:
        codes (Tensor): Codes ``(A, n, K)``, no gradient.
        scores (Tensor): Scores ``(V, n, K)``; row i of every view belongs
            to the same sample as row i of every code.
        temperature (float): Softmax temperature tau.

    Returns:
        Tensor: ``(A, V)`` mean cross-entropies.
    """
    if codes.shape[1:] != scores.shape[1:]:
        raise ValueError(
            f'swapped prediction: codes {tuple(codes.shape)} and scores '
            f'{tuple(scores.shape)} must agree in (n, K).')
    log_probs = F.log_softmax(scores / temperature, dim=-1)  # (V, n, K)
    return -torch.einsum('ank,vnk->av', codes.to(log_probs.dtype),
                         log_probs) / scores.shape[1]


def global_swapped_prediction_loss(scores: Tensor, codes: Tensor,
                                   crops_for_assign: Sequence[int],
                                   temperature: float = 0.1) -> Tensor:
    r"""SwAV's swapped prediction over all crops (SwAV, Sec. 3.1-3.2).

    .. math::
        L_{glb} = \frac{1}{|A|} \sum_{a \in A} \frac{1}{V - 1}
        \sum_{v \ne a} \mathrm{CE}(q_a, s_v)

    Every assignment crop a's code is predicted by every other crop
    (the 224 and 96 crops alike); the gradient flows through the scores.

    Args:
        scores (Tensor): Prototype scores ``(V, b, K)`` of the V crops of
            b images (crop-major, as the crops are concatenated).
        codes (Tensor): Codes ``(A, b, K)`` of the assignment crops.
        crops_for_assign (Sequence[int]): Crop index of every code, e.g.
            ``[0, 1]``.
        temperature (float): tau. Defaults to 0.1.

    Returns:
        Tensor: The scalar loss.
    """
    num_views = scores.shape[0]
    if len(crops_for_assign) != codes.shape[0] or num_views < 2:
        raise ValueError(
            f'global swapped prediction: {codes.shape[0]} codes for '
            f'crops_for_assign={list(crops_for_assign)} over {num_views} '
            'crops; need one code per assignment crop and >= 2 crops.')
    ce = _pairwise_code_cross_entropy(codes, scores, temperature)  # (A, V)
    keep = torch.ones_like(ce)
    for row, crop in enumerate(crops_for_assign):
        # Python indices: a fill on the device, no index tensor to copy.
        keep[row, crop] = 0
    return (ce * keep).sum() / (len(crops_for_assign) * (num_views - 1))


def local_swapped_prediction_loss(scores: Tensor,
                                  codes: Tensor,
                                  slot_perms: Optional[Tensor] = None,
                                  temperature: float = 0.1) -> Tensor:
    r"""GAELLE's local swapped prediction between two views.

    .. math::
        L_{loc} = \frac{1}{2} \sum_{a \in \{0, 1\}}
        \mathrm{CE}\big(q^l_a,\ \mathrm{shuffle}_a(s^l_{1-a})\big)

    Slot j of view a is predicted by slot ``slot_perms[a, j]`` of the
    other view of the same image: one permutation per direction, shared
    by the batch (the reference draws a new one for each direction and
    iteration: docs/reference/gaelle.md, "Local swapped prediction").
    ``slot_perms=None`` pairs slot j with slot j.

    Args:
        scores (Tensor): Local scores ``(2, b, M, K)`` (view, image, slot).
        codes (Tensor): Local codes ``(2, b, M, K)`` of the same views.
        slot_perms (Tensor, optional): ``(2, M)`` long permutations, row a
            for the prediction of view a's codes. Defaults to None.
        temperature (float): tau. Defaults to 0.1.

    Returns:
        Tensor: The scalar loss.
    """
    if scores.dim() != 4 or scores.shape[0] != 2:
        raise ValueError('local swapped prediction: scores must be (2, b, '
                         f'M, K), got {tuple(scores.shape)}.')
    num_views, batch, slots, num_prototypes = scores.shape
    predictors = scores.flip(0)  # view 1 - a predicts view a
    if slot_perms is not None:
        index = slot_perms.view(num_views, 1, slots, 1).expand_as(scores)
        predictors = predictors.gather(2, index)
    ce = _pairwise_code_cross_entropy(
        codes.reshape(num_views, batch * slots, num_prototypes),
        predictors.reshape(num_views, batch * slots, num_prototypes),
        temperature)  # (2, 2)
    return ce.diagonal().mean()


def local_to_global_prediction_loss(pooled_scores: Tensor,
                                    codes: Tensor,
                                    temperature: float = 0.1) -> Tensor:
    r"""GAELLE's cross-view local -> global prediction.

    .. math::
        L_{l2g} = \frac{1}{|V||A|} \sum_{v} \sum_{a}
        \mathrm{CE}(q_a, t_v), \quad
        t_v = W_x\, \frac{\bar z^l_v}{\|\bar z^l_v\|}

    Each local view's pooled score t_v predicts every global code, its
    own view's included (docs/reference/gaelle.md, "Local-to-global
    prediction").

    Args:
        pooled_scores (Tensor): ``(V, b, K)`` scores t of the slot-pooled
            local embeddings against the cross-view prototypes W_x.
        codes (Tensor): Global codes ``(A, b, K)``.
        temperature (float): tau. Defaults to 0.1.

    Returns:
        Tensor: The scalar loss.
    """
    return _pairwise_code_cross_entropy(codes, pooled_scores,
                                        temperature).mean()

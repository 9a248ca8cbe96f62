"""Per-scene label co-occurrence: counting, transition matrices, mixing.

The math of SALGL's scene-aware label co-occurrence module (Zhu et al.,
"Scene-Aware Label Graph Learning for Multi-Label Image Classification",
ICCV 2023; code https://github.com/jasonseu/SALGL; the reference's rules:
docs/reference/salgl.md, "Co-occurrence buffer") as pure, batched
functions: no Python loop over samples, scenes or classes and no host
synchronisation, so they run inside a training step at full speed and are
testable without a model.

Notation: B samples, C classes, K scenes; ``y`` multi-hot labels (B, C),
``w`` per-sample scene weights (B, K) (a one-hot argmax in hard mode, the
softmax in soft mode), ``M`` the co-occurrence counts (K, C, C).
"""
import torch
from torch import Tensor

__all__ = [
    'hard_scene_assignment', 'label_cooccurrence',
    'cooccurrence_to_transition', 'scene_adjacency'
]


def hard_scene_assignment(scene_probs: Tensor) -> Tensor:
    """One-hot of each sample's most probable scene.

    Ties go to the lowest scene index, as ``torch.argmax`` does. The
    one-hot is built with ``scatter`` rather than ``F.one_hot``, which
    checks its input's range on the host (a synchronisation) on CPUs.

    Args:
        scene_probs (Tensor): Scene probabilities or logits, (B, K).

    Returns:
        Tensor: (B, K) float one-hot rows, no gradient, same dtype and
        device as ``scene_probs``.
    """
    index = scene_probs.detach().argmax(dim=-1, keepdim=True)  # (B, 1)
    one_hot = torch.zeros_like(scene_probs, requires_grad=False)
    return one_hot.scatter_(1, index, 1.0)


def label_cooccurrence(labels: Tensor, scene_weights: Tensor) -> Tensor:
    """Scene-weighted label co-occurrence of one batch.

    .. math::
        \\Delta M^k = \\sum_b w_{b,k} \\, y_b y_b^\\top

    In hard mode ``w`` is the one-hot of the argmax scene (each sample
    counts in its scene only); in soft mode it is the scene softmax, and
    the result keeps the gradient to ``w``. The diagonal
    :math:`\\Delta M^k_{ii}` is the (weighted) count of label ``i``, so
    :math:`\\sum_k \\operatorname{tr} \\Delta M^k = \\sum_b |y_b|` whenever
    each row of ``w`` sums to one.

    Args:
        labels (Tensor): Multi-hot targets ``y``, (B, C). Soft targets
            are used as given.
        scene_weights (Tensor): ``w``, (B, K).

    Returns:
        Tensor: :math:`\\Delta M`, (K, C, C), symmetric in its last two
        dimensions, in the promoted dtype of the inputs.
    """
    batch, num_classes = labels.shape
    num_scenes = scene_weights.shape[1]
    dtype = torch.promote_types(labels.dtype, scene_weights.dtype)
    labels = labels.to(dtype)
    # (B, K, C): sample b's labels placed in every scene with weight w_bk;
    # one (K*C, B) x (B, C) matmul then sums the outer products.
    weighted = scene_weights.to(dtype)[:, :, None] * labels[:, None, :]
    counts = weighted.reshape(batch, num_scenes * num_classes).t() @ labels
    return counts.reshape(num_scenes, num_classes, num_classes)


def cooccurrence_to_transition(comatrix: Tensor,
                               ignore_self: bool = False,
                               normalize: bool = True,
                               eps: float = 1e-8) -> Tensor:
    """Turn co-occurrence counts into per-scene transition matrices.

    Row ``i`` is conditioned on label ``i`` (the reference transposes
    ``M`` first, a no-op for the symmetric ``M`` it keeps):

    1. :math:`P^k_{ij} = M^k_{ji} / (M^k_{ii} + \\epsilon)`,
       ``P(label j | label i, scene k)``;
    2. ``ignore_self``: zero the diagonal;
    3. ``normalize``: divide each row by (its sum + eps), so non-empty
       rows sum to one.

    A label never seen in a scene gives an all-zero row; ``M = 0`` gives
    ``P = 0`` (and hence zero graph messages).

    Args:
        comatrix (Tensor): ``M``, (K, C, C).
        ignore_self (bool): Zero the diagonal before normalising. The
            released COCO model keeps it (False).
        normalize (bool): Row-normalise. The released COCO model does
            (True); the reference's argparse default is False.
        eps (float): Added to every divisor. Defaults to 1e-8 as in the
            reference.

    Returns:
        Tensor: ``P``, (K, C, C), same dtype as ``comatrix``.
    """
    transition = comatrix.transpose(1, 2)
    diagonal = torch.diagonal(transition, dim1=1, dim2=2)  # (K, C)
    transition = transition / (diagonal[:, :, None] + eps)
    if ignore_self:
        eye = torch.eye(
            comatrix.shape[-1], dtype=torch.bool, device=comatrix.device)
        transition = transition.masked_fill(eye, 0.0)
    if normalize:
        transition = transition / (
            transition.sum(dim=-1, keepdim=True) + eps)
    return transition


def scene_adjacency(transition: Tensor, scene_probs: Tensor,
                    soft: bool = False) -> Tensor:
    """Per-sample label adjacency from the scene transition matrices.

    Hard mode (released): :math:`\\hat A_b = P^{k^*_b}`,
    :math:`k^*_b = \\arg\\max_k \\pi_{b,k}` (no gradient to ``pi``).
    Soft mode: :math:`\\hat A_b = \\sum_k \\pi_{b,k} P^k`.

    Args:
        transition (Tensor): ``P``, (K, C, C).
        scene_probs (Tensor): Scene probabilities ``pi``, (B, K).
        soft (bool): Mix the scenes by their probabilities instead of
            picking the most probable one.

    Returns:
        Tensor: ``A_hat``, (B, C, C).
    """
    if soft:
        num_scenes, num_classes, _ = transition.shape
        mixed = scene_probs.to(transition.dtype) @ transition.reshape(
            num_scenes, num_classes * num_classes)
        return mixed.reshape(-1, num_classes, num_classes)
    return transition[scene_probs.detach().argmax(dim=-1)]

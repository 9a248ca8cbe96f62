"""Sinkhorn-Knopp equipartition of SwAV codes, exact under DDP."""
import torch
from mmengine.dist import all_reduce
from torch import Tensor


@torch.no_grad()
def sinkhorn_knopp(scores: Tensor,
                   num_iters: int = 3,
                   epsilon: float = 0.05) -> Tensor:
    r"""Soft codes Q from prototype scores, as SwAV's ``distributed_sinkhorn``.

    Caron et al., "Unsupervised Learning of Visual Features by Contrasting
    Cluster Assignments", NeurIPS 2020, Sec. 3.1: the codes maximise
    :math:`\mathrm{Tr}(Q^\top S) + \epsilon H(Q)` over the transportation
    polytope where every sample carries mass 1/B and every prototype
    1/K. The reference (docs/reference/gaelle.md, "Sinkhorn-Knopp"), with
    the scores S (n, K) of this rank's n samples and the global batch B:

    1. :math:`Q = \exp(S / \epsilon)`, divided by its sum over all ranks;
    2. ``num_iters`` times: divide every prototype column by its sum over
       **all ranks** (all-reduced), then by K; divide every sample row by
       its own sum, then by B;
    3. multiply by B: every sample's code sums to 1.

    Every division by a constant (the total of step 1, K, B) is followed
    by a normalisation that cancels it (a column or row normalisation is
    scale-invariant) and step 3 undoes the last one, so the result is the
    same when they are left out; this function therefore runs only the
    column normalisations (all-reduced) and the row normalisations, which
    also makes it independent of how many samples each rank holds. The
    output equals the reference's to rounding (checked against the
    vectors of docs/reference/gaelle.md, "Fidelity vectors", 1).

    The prototype sums are all-reduced in every iteration, so under DDP
    with W ranks the result is the single-process result on the W
    concatenated score matrices (equipartition over the global batch).
    mmpretrain 1.2.0's ``distributed_sinkhorn`` all-reduces them only
    inside its zero-sum guard, i.e. practically never: its equipartition
    is per GPU (and its guard reads the device on the host every
    iteration).

    There is no max-subtraction, as in the reference: with cosine scores
    (:math:`|S| \le 1`) and :math:`\epsilon = 0.05`,
    :math:`e^{\pm 20}` stays well inside float32. The computation runs in
    float32 at least (float64 input stays float64): under autocast the
    scores may arrive in a 16-bit type, and S/epsilon in bfloat16 would
    be off by about 0.07. After 3 iterations the prototype masses are
    only roughly B/K; only the sample rows are exact.

    Args:
        scores (Tensor): Scores ``(..., n, K)`` of this rank's n samples
            against K prototypes; leading dimensions are independent
            problems solved together (one collective per iteration for
            all of them).
        num_iters (int): Sinkhorn iterations. Defaults to 3.
        epsilon (float): Entropic regularisation. Defaults to 0.05.

    Returns:
        Tensor: Codes ``(..., n, K)``, float32 (float64 for float64
        input), each row summing to 1.
    """
    if scores.dim() < 2:
        raise ValueError('sinkhorn_knopp: scores must be (..., n, K), got '
                         f'shape {tuple(scores.shape)}.')
    if num_iters < 1 or epsilon <= 0:
        raise ValueError('sinkhorn_knopp: num_iters must be >= 1 and '
                         f'epsilon > 0, got {num_iters} and {epsilon}.')
    dtype = torch.promote_types(scores.dtype, torch.float32)
    q = torch.exp(scores.to(dtype) / epsilon)  # (..., n, K)
    for _ in range(num_iters):
        prototype_mass = q.sum(dim=-2, keepdim=True)  # (..., 1, K)
        all_reduce(prototype_mass)
        q /= prototype_mass
        q /= q.sum(dim=-1, keepdim=True)
    return q

"""GAELLE's global-local neck: projection heads and semantic attention."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_world_size
from mmengine.model import BaseModule
from torch import Tensor

from mmmlc.registry import MODELS
from ..utils.autocast import autocast_off


class _SumOverRanks(torch.autograd.Function):
    """All-reduce (sum) whose backward all-reduces the gradient.

    The batch statistics of a synchronised BN are sums over all ranks, so
    each rank's loss depends on every rank's activations; summing the
    gradients of those sums over the ranks is SyncBN's backward.
    """

    @staticmethod
    def forward(ctx, tensor: Tensor) -> Tensor:
        out = tensor.clone()
        all_reduce(out)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        grad = grad.clone()
        all_reduce(grad)
        return grad


def position_batch_norm(x: Tensor, bn: nn.BatchNorm1d, sync: bool) -> Tensor:
    """Batch norm of ``(N, P, H)`` with statistics per position p.

    Equals calling ``bn`` on ``x[:, p]`` for p = 0..P-1 in turn (the
    reference's per-position call of its projection head:
    docs/reference/gaelle.md, "Semantic attention"):
    mean and variance over the N rows of each (position, channel), the
    affine parameters shared, and the running statistics updated P times
    in that order (in closed form, as one update). With ``sync`` and
    more than one rank, the statistics are over the rows of all ranks,
    as torch's ``SyncBatchNorm`` computes them (its gradient included);
    P = 1 is an ordinary (Sync)BN call. Computed in float32 at least.
    Local because torch's BN gives one set of statistics per call: the
    reference's P calls would be a Python loop over positions.
    In eval mode (with running statistics) the running statistics
    normalise, as ``bn`` would.

    Args:
        x (Tensor): ``(N, P, H)`` activations.
        bn (nn.BatchNorm1d): Holds ``weight``, ``bias``, running
            statistics, ``momentum`` and ``eps`` (a ``SyncBatchNorm``
            converted from it works alike).
        sync (bool): Synchronise the statistics over the ranks.

    Returns:
        Tensor: ``(N, P, H)``, float32 (float64 for float64 input).
    """
    num_rows, positions, channels = x.shape
    x = x.to(torch.promote_types(x.dtype, torch.float32))
    use_batch_stats = bn.training or bn.running_mean is None
    if not use_batch_stats:
        out = F.batch_norm(
            x.reshape(num_rows * positions, channels), bn.running_mean,
            bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
        return out.view(num_rows, positions, channels)
    reduce = _SumOverRanks.apply if sync and get_world_size() > 1 else None
    if reduce is None and num_rows < 2:
        raise ValueError(
            'position_batch_norm: batch statistics need more than one row '
            f'per position, got {num_rows} (use a batch of >= 2 images).')
    sums = torch.cat([
        x.sum(dim=0).flatten(),
        torch.full((1, ), num_rows, dtype=x.dtype, device=x.device)
    ])
    if reduce is not None:
        sums = reduce(sums)
    count = sums[-1]
    mean = sums[:-1].view(positions, channels) / count
    centred = x - mean
    squares = (centred * centred).sum(dim=0)  # (P, H)
    if reduce is not None:
        squares = reduce(squares)
    var = squares / count
    out = centred * torch.rsqrt(var + bn.eps)
    if bn.weight is not None:
        out = out * bn.weight + bn.bias
    if bn.running_mean is not None and bn.training:
        _update_running_stats(bn, mean.detach(),
                              var.detach() * (count / (count - 1)).detach())
    return out


@torch.no_grad()
def _update_running_stats(bn: nn.BatchNorm1d, means: Tensor,
                          variances: Tensor) -> None:
    """Fold P sequential BN updates (rows of ``means``) into one."""
    positions = means.shape[0]
    steps = torch.arange(
        positions, 0, -1, device=means.device, dtype=means.dtype) - 1
    if bn.momentum is None:
        # Cumulative average: after t + P batches, the mean over all.
        total = (bn.num_batches_tracked + positions).to(means.dtype)
        keep = bn.num_batches_tracked.to(means.dtype) / total
        weights = torch.ones_like(steps) / total
    else:
        keep = (1.0 - bn.momentum)**positions
        weights = bn.momentum * (1.0 - bn.momentum)**steps  # (P,)
    for stat, values in ((bn.running_mean, means),
                         (bn.running_var, variances)):
        stat.mul_(keep).add_((weights @ values).to(stat.dtype))
    bn.num_batches_tracked.add_(positions)


def grouped_attention_pooling(
        feature_map: Tensor,
        logits: Tensor,
        num_groups: int,
        temperature: float = 1.0) -> Tuple[Tensor, Tensor]:
    r"""GAELLE's semantic attention pooling into grouped slots.

    With attention logits :math:`u_p \in R^D` per position p of a map
    :math:`F \in R^{C \times P}`, :math:`\hat u_p = u_p / \|u_p\|`,
    attention over positions per channel d
    :math:`A[d, p] = \mathrm{softmax}_p(\hat u_p[d] / T)`, and with
    M = D / G slots and G groups of C / G feature channels,

    .. math::
        h_j = \big\Vert_{g=0}^{G-1} \sum_p A[gM + j, p]\,
        F[gC/G : (g+1)C/G,\ p], \quad j = 0..M-1 .

    Every slot is a convex pooling of the map: uniform attention gives
    the global average pooling in every slot.

    Args:
        feature_map (Tensor): ``(N, C, P)`` features.
        logits (Tensor): ``(N, P, D)`` attention logits.
        num_groups (int): G; divides both C and D.
        temperature (float): T. Defaults to 1.0 (the reference).

    Returns:
        tuple[Tensor, Tensor]: slots ``(N, M, C)`` and the attention
        ``(N, P, D)``.
    """
    num, channels, positions = feature_map.shape
    dim = logits.shape[-1]
    if channels % num_groups or dim % num_groups:
        raise ValueError(
            f'grouped attention pooling: nmb_groups_heads={num_groups} '
            f'must divide the feature channels ({channels}) and the '
            f'attention dimension ({dim}).')
    slots = dim // num_groups
    attention = F.softmax(
        F.normalize(logits, dim=-1) / temperature, dim=1)  # (N, P, D)
    pooled = torch.einsum(
        'npgm,ngcp->nmgc', attention.view(num, positions, num_groups, slots),
        feature_map.reshape(num, num_groups, channels // num_groups,
                            positions))  # (N, M, G, C/G)
    return pooled.reshape(num, slots, channels), attention


def _mlp(in_channels: int, hid_channels: int, out_channels: int,
         momentum: Optional[float]) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(in_channels, hid_channels),
        nn.BatchNorm1d(hid_channels, momentum=momentum),
        nn.ReLU(inplace=True), nn.Linear(hid_channels, out_channels))


@MODELS.register_module()
class GAELLENeck(BaseModule):
    r"""GAELLE's global and local embeddings from multi-crop feature maps.

    Chen & Yeh, "Self-Supervised Multi-Label Classification with Global
    Context and Local Attention", ICMR 2024 (code:
    https://github.com/chunyen5927/GAELLE; the reference's architecture and
    attention: docs/reference/gaelle.md, "Architecture" and "Semantic
    attention"). With b images, V crops in resolution groups (the
    backbone runs once per group), C channels:

    1. global: :math:`z_v = g(\mathrm{GAP}(F_v)) / \|\cdot\|` for every
       crop v, ``(V b, D)``; the BN of g sees all V b crops at once;
    2. attention logits :math:`u_p = g(F[:, p])` at every position of the
       first group's maps (the two 224 crops), with g's BN statistics
       **per position** (the reference calls g once per position), all
       positions in one call;
    3. :func:`grouped_attention_pooling` into M = D / G slots per crop,
       ``(2 b, M, C)``;
    4. local: :math:`z^l = h(\text{slot}) / \|\cdot\|`, ``(2 b M, D_l)``,
       rows ordered view, image, slot; the BN of h sees all rows at once.

    Steps 2-3 run before step 1, as in the reference, so g's BN running
    statistics get the P per-position updates before the global one.

    g and h are Linear-BN-ReLU-Linear (``projection_head`` and
    ``local_projection_head``, the reference's names); the attention has
    no parameters of its own. M is tied to D (``out_channels``), the
    dimension the attention channels are grouped over; the reference
    computes it from ``local_feat_dim`` in one place and ``feat_dim`` in
    another, equal at 128.

    Switches (default: the reference; docs/reference/gaelle.md,
    "Quirks and switches"):

    - ``attn_temperature`` (1.0): T of the softmax over positions.
    - ``position_wise_bn`` (True): False flattens all positions into one
      BN batch (what a naive vectorisation does; changes results).
    - ``with_local`` (True): False skips steps 2-4 and builds no h (plain
      SwAV on the same pipeline).

    Args:
        in_channels (int): C. Defaults to 2048.
        hid_channels (int): Hidden width of g and h. Defaults to 2048.
        out_channels (int): D, global embedding and attention dimension.
            Defaults to 128.
        local_out_channels (int): D_l of the local embedding. Defaults to
            128.
        nmb_groups_heads (int): G, the reference's ``--nmb_groups_heads``
            (README 4, i.e. 32 slots; its argparse default is 8).
            Defaults to 4.
        attn_temperature (float): T. Defaults to 1.0.
        position_wise_bn (bool): See above. Defaults to True.
        with_local (bool): See above. Defaults to True.
        sync_bn (bool): Synchronise g's and h's BN statistics over the
            ranks (the reference's SyncBN). Defaults to True.
        bn_momentum (float, optional): BN momentum of g and h (torch's
            convention; None: cumulative average). Defaults to 0.1.
        init_cfg (dict | list[dict], optional): Initialisation config;
            None keeps PyTorch's default Linear init and BN (1, 0), as
            the reference. Defaults to None.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 hid_channels: int = 2048,
                 out_channels: int = 128,
                 local_out_channels: int = 128,
                 nmb_groups_heads: int = 4,
                 attn_temperature: float = 1.0,
                 position_wise_bn: bool = True,
                 with_local: bool = True,
                 sync_bn: bool = True,
                 bn_momentum: Optional[float] = 0.1,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if with_local and (in_channels % nmb_groups_heads
                           or out_channels % nmb_groups_heads):
            raise ValueError(
                f'GAELLENeck: nmb_groups_heads={nmb_groups_heads} must '
                f'divide in_channels={in_channels} and out_channels='
                f'{out_channels}.')
        if attn_temperature <= 0:
            raise ValueError('GAELLENeck: attn_temperature must be > 0, got '
                             f'{attn_temperature}.')
        self.nmb_groups_heads = nmb_groups_heads
        self.num_slots = out_channels // nmb_groups_heads
        self.attn_temperature = attn_temperature
        self.position_wise_bn = position_wise_bn
        self.with_local = with_local
        self.sync_bn = sync_bn
        self.projection_head = _mlp(in_channels, hid_channels, out_channels,
                                    bn_momentum)
        if with_local:
            self.local_projection_head = _mlp(in_channels, hid_channels,
                                              local_out_channels, bn_momentum)

    def _project(self, mlp: nn.Sequential, x: Tensor) -> Tensor:
        """Linear-BN-ReLU-Linear on ``(N, P, C)``, BN statistics per p.

        Under autocast the first Linear runs in the low precision; BN and
        the last Linear (C_h -> D, a small share of the FLOPs) run in
        float32, so that the embeddings, whose scores Sinkhorn divides by
        epsilon = 0.05, are not rounded to bfloat16's 8 bits.
        """
        hidden = position_batch_norm(mlp[0](x), mlp[1], self.sync_bn)
        with autocast_off(hidden.device):
            return mlp[3](mlp[2](hidden))

    def attention_pool(self, feature_map: Tensor) -> Tuple[Tensor, Tensor]:
        """Semantic attention slots of feature maps (steps 2-3).

        Args:
            feature_map (Tensor): ``(N, C, H, W)`` maps.

        Returns:
            tuple[Tensor, Tensor]: slots ``(N, M, C)`` and attention
            ``(N, H W, D)``.
        """
        num, channels = feature_map.shape[:2]
        flat = feature_map.flatten(2)  # (N, C, P)
        tokens = flat.transpose(1, 2)  # (N, P, C)
        positions = tokens.shape[1]
        if self.position_wise_bn:
            logits = self._project(self.projection_head, tokens)
        else:
            logits = self._project(
                self.projection_head,
                tokens.reshape(num * positions, 1, channels))
            logits = logits.view(num, positions, -1)  # (N, P, D)
        return grouped_attention_pooling(flat, logits, self.nmb_groups_heads,
                                         self.attn_temperature)

    def forward(self, feats: Sequence[Tensor],
                batch_size: int) -> Tuple[Tensor, Optional[Tensor]]:
        """Global and local embeddings of one multi-crop batch.

        Args:
            feats (Sequence[Tensor]): One map per resolution group,
                ``(n_i b, C, H_i, W_i)``, crop-major; the first group holds
                the two local views (the 224 crops).
            batch_size (int): b, images per rank.

        Returns:
            tuple[Tensor, Tensor | None]: z ``(V b, D)`` and z^l
            ``(2 b M, D_l)`` (None without the local branch), unit rows.
        """
        slots = None
        if self.with_local:
            local_views = feats[0].shape[0] // batch_size
            if local_views != 2 or feats[0].shape[0] % batch_size:
                raise ValueError(
                    f'GAELLENeck: the first resolution group must hold the '
                    f'two local views (2 x {batch_size} rows), got '
                    f'{feats[0].shape[0]} rows.')
            # Attention before the global embedding, as the reference
            # calls them: g's BN running statistics then get the P
            # per-position updates first (outputs do not depend on it).
            slots, _ = self.attention_pool(feats[0])  # (2 b, M, C)
        pooled = torch.cat([f.mean(dim=(2, 3)) for f in feats])  # (V b, C)
        z = self._project(self.projection_head, pooled[:, None])[:, 0]
        z = F.normalize(z, dim=1)  # (V b, D)
        if slots is None:
            return z, None
        local = slots.reshape(-1, 1, slots.shape[-1])  # (2 b M, 1, C)
        z_local = self._project(self.local_projection_head, local)[:, 0]
        return z, F.normalize(z_local, dim=1)  # (V b, D), (2 b M, D_l)

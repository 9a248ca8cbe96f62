"""Set-Transformer attention with MulCon's conventions (MAB / SAB)."""
import math
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

__all__ = ['set_attention', 'MultiheadAttentionBlock']


def set_attention(query: Tensor,
                  key: Tensor,
                  value: Tensor,
                  num_heads: int,
                  need_weights: bool = False
                  ) -> Tuple[Tensor, Optional[Tensor]]:
    """Multi-head attention with a full-width scale and a query residual.

    For head j (channels ``j*d/h .. (j+1)*d/h`` of the projected inputs):

    .. math:: O_j = \\tilde Q_j + \\mathrm{softmax}(\\tilde Q_j
              \\tilde K_j^T / \\sqrt{d})\\, \\tilde V_j

    The scale is the full width d, not d/h, and the residual is the
    *projected* query (Dao et al., Neurocomputing 2023, Sec. 3, label-wise
    attention; the released code's conventions are listed in
    docs/reference/mulcon.md (Attention block)).

    Args:
        query (Tensor): Projected queries, (B, n, d).
        key (Tensor): Projected keys, (B, m, d).
        value (Tensor): Projected values, (B, m, d).
        num_heads (int): h; d must be divisible by h.
        need_weights (bool): Also return the attention map (computed
            explicitly instead of by the fused kernel).

    Returns:
        tuple[Tensor, Tensor | None]: O (B, n, d) and the map (B, h, n, m)
        or None. The reference stacks heads along the batch, head-major:
        its map row ``j*B + b`` is our ``[b, j]``.
    """
    batch, length, dims = query.shape
    if dims % num_heads:
        raise ValueError(f'width {dims} is not divisible by {num_heads} '
                         'heads')
    head_dims = dims // num_heads
    scale = 1.0 / math.sqrt(dims)

    def split(x: Tensor) -> Tensor:  # (B, n, d) -> (B, h, n, d/h)
        return x.unflatten(-1, (num_heads, head_dims)).transpose(1, 2)

    q, k, v = split(query), split(key), split(value)
    weights = None
    if need_weights:
        weights = torch.softmax(q @ k.transpose(-2, -1) * scale, dim=-1)
        attended = weights @ v  # (B, h, n, d/h)
    else:
        attended = F.scaled_dot_product_attention(q, k, v, scale=scale)
    out = (q + attended).transpose(1, 2).reshape(batch, length, dims)
    return out, weights


class MultiheadAttentionBlock(nn.Module):
    """A Set-Transformer MAB as MulCon's code builds it (post-norm).

    ``MAB(X, Y)``: project ``Q~ = X W_q``, ``K~ = Y W_k``, ``V~ = Y W_v``
    (all to width d), ``O = set_attention(Q~, K~, V~)``, then
    ``O = LN0(O)``, ``O = LN1(O + ReLU(O W_o))``: no dropout, a one-layer
    feed-forward block. ``SAB(X) = MAB(X, X)``.

    Parameters: ``fc_q`` (d_q -> d), ``fc_k``, ``fc_v`` (d_k -> d),
    ``fc_o`` (d -> d), ``ln0``, ``ln1`` (the reference's names). For
    d_q = d_k = d = 2048 that is 16,793,600 parameters.

    Initialisation (the reference's ``init_net``): every Linear weight
    N(0, 0.02^2), bias 0; LayerNorm weight 1, bias 0.

    Args:
        query_dims (int): d_q.
        key_dims (int): d_k.
        embed_dims (int): d.
        num_heads (int): h. Defaults to 4.
    """

    def __init__(self,
                 query_dims: int,
                 key_dims: int,
                 embed_dims: int,
                 num_heads: int = 4) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims {embed_dims} is not divisible by '
                             f'num_heads {num_heads}')
        self.num_heads = num_heads
        self.fc_q = nn.Linear(query_dims, embed_dims)
        self.fc_k = nn.Linear(key_dims, embed_dims)
        self.fc_v = nn.Linear(key_dims, embed_dims)
        self.fc_o = nn.Linear(embed_dims, embed_dims)
        self.ln0 = nn.LayerNorm(embed_dims)
        self.ln1 = nn.LayerNorm(embed_dims)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """N(0, 0.02^2) Linear weights, zero biases, unit LayerNorms."""
        for layer in (self.fc_q, self.fc_k, self.fc_v, self.fc_o):
            nn.init.normal_(layer.weight, std=0.02)
            nn.init.zeros_(layer.bias)
        for norm in (self.ln0, self.ln1):
            nn.init.ones_(norm.weight)
            nn.init.zeros_(norm.bias)

    def forward(self,
                query: Tensor,
                key: Tensor,
                need_weights: bool = False
                ) -> Tuple[Tensor, Optional[Tensor]]:
        """Attend from ``query`` (B, n, d_q) to ``key`` (B, m, d_k).

        Returns:
            tuple[Tensor, Tensor | None]: (B, n, d) and, if asked, the
            attention map (B, h, n, m).
        """
        out, weights = set_attention(
            self.fc_q(query), self.fc_k(key), self.fc_v(key),
            self.num_heads, need_weights)  # (B, n, d)
        out = self.ln0(out)
        out = self.ln1(out + F.relu(self.fc_o(out)))
        return out, weights

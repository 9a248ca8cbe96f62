"""Context encoder of SALGL: one post-norm Transformer layer on tokens."""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

__all__ = ['ContextEncoderLayer', 'sine_position_encoding']


def sine_position_encoding(height: int,
                           width: int,
                           dim: int,
                           temperature: float = 10000.0,
                           scale: float = 2 * math.pi,
                           device: Optional[torch.device] = None) -> Tensor:
    """Fixed, normalised 2-D sine position encoding (DETR style).

    Row ``i`` and column ``j`` (1-based) are normalised to
    ``i / (H + 1e-6) * scale`` and ``j / (W + 1e-6) * scale``; each
    coordinate gets ``dim / 2`` features ``[sin(p / t_0), cos(p / t_0),
    sin(p / t_1), cos(p / t_1), ...]`` with
    ``t_m = temperature ** (2m / (dim / 2))``; y-features come first.

    Args:
        height (int): Rows H of the feature map.
        width (int): Columns W of the feature map.
        dim (int): Channels D of the encoding (even).
        temperature (float): Frequency base. Defaults to 1e4.
        scale (float): Range of the normalised coordinates. Defaults to
            2 pi.
        device (torch.device, optional): Where to build it.

    Returns:
        Tensor: (H * W, D) float32, rows in the row-major order of
        ``feature_map.flatten(2)``.
    """
    if dim % 2:
        raise ValueError(f'sine position encoding needs an even dim, '
                         f'got {dim}')
    half = dim // 2
    eps = 1e-6
    rows = torch.arange(1, height + 1, dtype=torch.float32, device=device)
    cols = torch.arange(1, width + 1, dtype=torch.float32, device=device)
    rows = rows / (height + eps) * scale
    cols = cols / (width + eps) * scale
    index = torch.arange(half, dtype=torch.float32, device=device)
    periods = temperature**(2 * torch.div(index, 2, rounding_mode='floor') /
                            half)

    def encode(coords: Tensor) -> Tensor:
        phase = coords[:, None] / periods  # (L, D/2)
        return torch.stack([phase[:, 0::2].sin(), phase[:, 1::2].cos()],
                           dim=2).flatten(1)

    pos_y = encode(rows)[:, None, :].expand(height, width, half)
    pos_x = encode(cols)[None, :, :].expand(height, width, half)
    return torch.cat([pos_y, pos_x], dim=-1).reshape(height * width, dim)


class ContextEncoderLayer(nn.Module):
    """Post-norm Transformer encoder layer with an optional position term.

    SALGL's context encoder (docs/reference/salgl.md, "Architecture as
    released", step 2): with tokens X (B, N, D) and position encoding p
    (N, D) or None,

    .. math::
        X \\leftarrow \\mathrm{LN}_1(X + \\mathrm{Drop}(\\mathrm{MHA}(
        Q{=}X{+}p, K{=}X{+}p, V{=}X)))

        X \\leftarrow \\mathrm{LN}_2(X + \\mathrm{Drop}(W_2\\,
        \\mathrm{Drop}(\\mathrm{ReLU}(W_1 X))))

    Dropout also acts on the attention weights. Without ``p`` it equals
    ``nn.TransformerEncoderLayer(norm_first=False, batch_first=True)``.
    Attention weights are never materialised (``need_weights=False``),
    so PyTorch may use a fused attention kernel; the reference asks for
    the averaged weights and discards them.

    State-dict keys match the reference's ``tb.layers.0.*``:
    ``self_attn.{in_proj_weight, in_proj_bias, out_proj.weight,
    out_proj.bias}``, ``linear1``, ``linear2``, ``norm1``, ``norm2``.

    Args:
        dim (int): Token size D (d_model).
        num_heads (int): Attention heads. Defaults to 8.
        ffn_dim (int): Hidden size of the feed-forward block. Defaults to
            2048 (also for D = 1024 or 768).
        dropout (float): Dropout probability everywhere. Defaults to 0.1.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int = 8,
                 ffn_dim: int = 2048,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.self_attn = nn.MultiheadAttention(
            dim, num_heads, dropout=dropout, batch_first=True)
        self.linear1 = nn.Linear(dim, ffn_dim)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(ffn_dim, dim)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, tokens: Tensor, pos: Optional[Tensor] = None) -> Tensor:
        """Encode the tokens.

        Args:
            tokens (Tensor): X, (B, N, D).
            pos (Tensor, optional): Position encoding added to queries and
                keys only, (N, D) or (B, N, D).

        Returns:
            Tensor: (B, N, D).
        """
        query = tokens if pos is None else tokens + pos.to(tokens.dtype)
        attended = self.self_attn(
            query, query, tokens, need_weights=False)[0]
        tokens = self.norm1(tokens + self.dropout1(attended))
        hidden = self.dropout(F.relu(self.linear1(tokens)))
        return self.norm2(tokens + self.dropout2(self.linear2(hidden)))

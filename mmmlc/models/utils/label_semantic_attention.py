"""Label-embedding guided attention over image tokens (low-rank bilinear)."""
from typing import Tuple

import torch
import torch.nn as nn
from torch import Tensor

__all__ = ['LabelSemanticAttention']


class LabelSemanticAttention(nn.Module):
    """Pool image tokens into one feature per label, guided by its embedding.

    SALGL's semantic attention module (Zhu et al., ICCV 2023;
    docs/reference/salgl.md, "Architecture as released", step 5). For
    label c with embedding e_c and token x_n:

    .. math::
        z_{c,n} = \\tanh((U x_n) \\odot (V e_c)), \\quad
        a_{c,n} = w^\\top (W_a z_{c,n} + b_a) + b_w

        \\alpha_{c,\\cdot} = \\mathrm{softmax}_n(a_{c,\\cdot}), \\quad
        f_c = \\sum_n \\alpha_{c,n} x_n

    ``U`` (D -> A) and ``V`` (E -> A) have no bias; ``W_a`` (A -> A) and
    ``w`` (A -> 1) have one, with no nonlinearity between them. Because
    of that, ``w^T W_a`` is folded into one (A,) vector before it meets
    the (B, C, N, A) tensor ``z``: the same function and the same
    gradients, without an (A x A) matmul over B*C*N rows (about 1 TFLOP
    per forward at B = 32, C = 80, N = 196, A = 1024).

    State-dict keys (reference ``attention.*`` names in brackets):
    ``feature_proj.weight`` (``linear1``, U), ``label_proj.weight``
    (``linear2``, V), ``hidden.{weight,bias}`` (``hidden_linear``, W_a),
    ``score.{weight,bias}`` (``target_linear``, w).

    Args:
        feat_dim (int): Token size D.
        embed_dim (int): Label-embedding size E.
        attention_dim (int): Joint space size A. Defaults to 1024.
    """

    def __init__(self,
                 feat_dim: int,
                 embed_dim: int,
                 attention_dim: int = 1024) -> None:
        super().__init__()
        self.feature_proj = nn.Linear(feat_dim, attention_dim, bias=False)
        self.label_proj = nn.Linear(embed_dim, attention_dim, bias=False)
        self.hidden = nn.Linear(attention_dim, attention_dim)
        self.score = nn.Linear(attention_dim, 1)

    def forward(self, tokens: Tensor,
                label_embeddings: Tensor) -> Tuple[Tensor, Tensor]:
        """Attend from every label to every token.

        Args:
            tokens (Tensor): X, (B, N, D).
            label_embeddings (Tensor): e, (C, E), shared by the batch.

        Returns:
            tuple[Tensor, Tensor]: Label features F (B, C, D) and
            attention weights alpha (B, C, N), float32.
        """
        token_proj = self.feature_proj(tokens)  # (B, N, A)
        label_proj = self.label_proj(label_embeddings)  # (C, A)
        score_weight = self.score.weight @ self.hidden.weight  # (1, A)
        score_bias = self.score.weight @ self.hidden.bias + self.score.bias
        joint = torch.tanh(token_proj[:, None, :, :] *
                           label_proj[None, :, None, :])  # (B, C, N, A)
        logits = (joint @ score_weight.t().to(joint.dtype)).squeeze(-1)
        logits = logits.float() + score_bias.float()  # (B, C, N)
        attention = logits.softmax(dim=-1)
        label_features = attention.to(tokens.dtype) @ tokens  # (B, C, D)
        return label_features, attention

"""Gated graph propagation over per-sample label graphs (GGNN)."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

__all__ = ['GatedGraphPropagation']


class GatedGraphPropagation(nn.Module):
    """Gated graph neural network over label nodes with shared weights.

    SALGL's semantic interaction module (Zhu et al., ICCV 2023;
    docs/reference/salgl.md, "Architecture as released", step 7; Li et al.,
    "Gated Graph Sequence Neural Networks", ICLR 2016).
    With :math:`h^0 = F` (B, C, D) and a per-sample adjacency
    :math:`\\hat A` (B, C, C), each of the ``num_steps`` steps computes

    .. math::
        m_{in} = \\hat A h, \\quad m_{out} = \\hat A^\\top h, \\quad
        u = [m_{in}; m_{out}] \\text{ (or } m_{in} \\text{ without
        out-messages)}

        z = \\sigma(W_z u + U_z h), \\quad r = \\sigma(W_r u + U_r h)

        \\tilde h = \\tanh(W_h u + U_h (r \\odot h)), \\quad
        h \\leftarrow (1 - z) \\odot h + z \\odot \\tilde h

    All six maps are ``nn.Linear`` with bias (``W_*``: in -> D,
    ``U_*``: D -> D), PyTorch default initialisation.

    State-dict keys (reference ``ggnn.*`` names in brackets):
    ``update_in`` (``fc1_w``, W_z), ``update_hidden`` (``fc1_u``, U_z),
    ``reset_in`` (``fc2_w``, W_r), ``reset_hidden`` (``fc2_u``, U_r),
    ``candidate_in`` (``fc3_w``, W_h), ``candidate_hidden`` (``fc3_u``,
    U_h), each with ``.weight`` and ``.bias``.

    The three ``W_*`` (and ``U_z``, ``U_r``) run as one matmul on their
    concatenated weights: the parameters stay separate and identical to
    the reference, only the launch count drops.

    Args:
        dim (int): Node feature size D.
        num_steps (int): Propagation steps T (shared weights). Defaults to
            3 (released).
        out_messages (bool): Also pass messages along reversed edges,
            doubling the input of ``W_*`` to 2D. Defaults to True
            (released COCO model; the reference's argparse default is
            False).
    """

    def __init__(self,
                 dim: int,
                 num_steps: int = 3,
                 out_messages: bool = True) -> None:
        super().__init__()
        if num_steps < 0:
            raise ValueError(f'num_steps must be >= 0, got {num_steps}')
        self.dim = dim
        self.num_steps = num_steps
        self.out_messages = out_messages
        in_dim = 2 * dim if out_messages else dim
        self.update_in = nn.Linear(in_dim, dim)
        self.update_hidden = nn.Linear(dim, dim)
        self.reset_in = nn.Linear(in_dim, dim)
        self.reset_hidden = nn.Linear(dim, dim)
        self.candidate_in = nn.Linear(in_dim, dim)
        self.candidate_hidden = nn.Linear(dim, dim)

    def messages(self, hidden: Tensor, adjacency: Tensor) -> Tensor:
        """Aggregate neighbour states along (and against) the edges.

        Args:
            hidden (Tensor): Node states ``h``, (B, C, D).
            adjacency (Tensor): ``A_hat``, (B, C, C); row ``i`` holds the
                weights with which node ``i`` gathers from every node.

        Returns:
            Tensor: ``u``, (B, C, 2D) with out-messages, else (B, C, D).
        """
        adjacency = adjacency.to(hidden.dtype)
        incoming = torch.bmm(adjacency, hidden)
        if not self.out_messages:
            return incoming
        outgoing = torch.bmm(adjacency.transpose(1, 2), hidden)
        return torch.cat([incoming, outgoing], dim=-1)

    def fused_weights(self) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Concatenated ``[W_z; W_r; W_h]`` and ``[U_z; U_r]`` with biases.

        Returns:
            tuple[Tensor, Tensor, Tensor, Tensor]: Input weight (3D, in),
            input bias (3D,), hidden weight (2D, D), hidden bias (2D,).
        """
        in_weight = torch.cat([
            self.update_in.weight, self.reset_in.weight,
            self.candidate_in.weight
        ])
        in_bias = torch.cat([
            self.update_in.bias, self.reset_in.bias, self.candidate_in.bias
        ])
        hidden_weight = torch.cat(
            [self.update_hidden.weight, self.reset_hidden.weight])
        hidden_bias = torch.cat(
            [self.update_hidden.bias, self.reset_hidden.bias])
        return in_weight, in_bias, hidden_weight, hidden_bias

    def step(self,
             hidden: Tensor,
             adjacency: Tensor,
             fused: Optional[Tuple[Tensor, ...]] = None) -> Tensor:
        """One gated update of every node of every sample.

        Args:
            hidden (Tensor): ``h``, (B, C, D).
            adjacency (Tensor): ``A_hat``, (B, C, C).
            fused (tuple[Tensor], optional): :meth:`fused_weights`, passed
                in so that T steps concatenate the weights once.

        Returns:
            Tensor: The new ``h``, (B, C, D).
        """
        dim = self.dim
        in_weight, in_bias, hidden_weight, hidden_bias = (
            fused if fused is not None else self.fused_weights())
        message = self.messages(hidden, adjacency)
        gates_in = F.linear(message, in_weight, in_bias)  # (B, C, 3D)
        gates_hidden = F.linear(hidden, hidden_weight,
                                hidden_bias)  # (B, C, 2D)
        update = torch.sigmoid(gates_in[..., :dim] + gates_hidden[..., :dim])
        reset = torch.sigmoid(gates_in[..., dim:2 * dim] +
                              gates_hidden[..., dim:])
        candidate = torch.tanh(gates_in[..., 2 * dim:] +
                               self.candidate_hidden(reset * hidden))
        return (1 - update) * hidden + update * candidate

    def forward(self, features: Tensor, adjacency: Tensor) -> Tensor:
        """Run ``num_steps`` shared-weight steps from ``h^0 = features``.

        Args:
            features (Tensor): Initial node states, (B, C, D).
            adjacency (Tensor): ``A_hat``, (B, C, C).

        Returns:
            Tensor: ``h^(T)``, (B, C, D); ``features`` itself when T = 0.
        """
        hidden = features
        if self.num_steps == 0:
            return hidden
        fused = self.fused_weights()
        for _ in range(self.num_steps):
            hidden = self.step(hidden, adjacency, fused)
        return hidden

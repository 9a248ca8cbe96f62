"""MulCon's label-wise attention block as an mmpretrain neck."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from mmmlc.registry import MODELS
from ..utils.set_attention import MultiheadAttentionBlock


@MODELS.register_module()
class LabelWiseAttentionNeck(BaseModule):
    """Label-level embeddings from a backbone's map by label attention.

    Dao et al., "Contrastively Enforcing Distinctiveness for Multi-label
    Image Classification", Neurocomputing 555 (2023) 126605, Sec. 3
    (label-wise attention; the block as released:
    docs/reference/mulcon.md (Attention block)). With B images, N tokens of
    D channels, L classes and width d:

    1. tokens R (B, N, D): a (B, D, H, W) map flattened row-major, or
       (B, N, D) tokens as given; no position encoding;
    2. ``num_token_blocks`` self-attention blocks over the tokens,
       ``R <- SAB_D(R)`` (the released code has two; the paper's figure
       draws one before the label attention);
    3. label cross-attention from the learnt queries U (L, d), shared by
       all images: ``G0 = MAB(U, R)`` (B, L, d);
    4. label self-attention among the L embeddings of one image:
       ``G = SAB_d(G0)`` (B, L, d).

    G[b, c] is the label-level embedding g_{b,c} the per-class classifier
    and the contrastive projector read. Every block is a
    :class:`MultiheadAttentionBlock` (h heads, scale 1/sqrt(width),
    projected-query residual, post-norm). At the COCO setting (D = 2048,
    d = 1024, L = 80, h = 4) the block has 44,171,264 parameters.

    State-dict keys (the reference's ``ISABMultiLabel`` names in
    brackets): ``token_blocks.{i}.*`` [``enc.{i}.*``],
    ``label_queries`` (L, d) [``U`` (1, L, d)], ``label_attention.*``
    [``mab``], ``label_blocks.0.*`` [``sab``]. Loading a ``label_queries``
    of another shape raises a ``ValueError`` naming both numbers.

    Args:
        in_channels (int): Token size D (2048 for ResNet-101).
        num_classes (int): L.
        embed_dims (int): d. Defaults to 1024.
        num_heads (int): h of every block. Defaults to 4.
        num_token_blocks (int): Self-attention blocks over the image
            tokens before the label attention. Defaults to 2 (released;
            1 is the paper's figure).
        num_label_blocks (int): Self-attention blocks over the label
            embeddings after it. Defaults to 1.
        init_cfg (dict, optional): mmengine init config. Defaults to None:
            the reference's initialisation is applied at construction
            (Linear N(0, 0.02^2) and zero bias, U Xavier-uniform as a
            (1, L, d) tensor: bound sqrt(6 / (d (L + 1)))).
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 embed_dims: int = 1024,
                 num_heads: int = 4,
                 num_token_blocks: int = 2,
                 num_label_blocks: int = 1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.embed_dims = embed_dims
        self.token_blocks = nn.ModuleList([
            MultiheadAttentionBlock(in_channels, in_channels, in_channels,
                                    num_heads)
            for _ in range(num_token_blocks)
        ])
        self.label_queries = nn.Parameter(torch.empty(num_classes,
                                                      embed_dims))
        # Xavier on the reference's (1, L, d) tensor: fan_in = L*d,
        # fan_out = d, so the bound is not the one of an (L, d) matrix.
        nn.init.xavier_uniform_(self.label_queries.data.unsqueeze(0))
        self.label_attention = MultiheadAttentionBlock(
            embed_dims, in_channels, embed_dims, num_heads)
        self.label_blocks = nn.ModuleList([
            MultiheadAttentionBlock(embed_dims, embed_dims, embed_dims,
                                    num_heads)
            for _ in range(num_label_blocks)
        ])

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Refuse label queries made for another L or d."""
        queries = state_dict.get(prefix + 'label_queries')
        if queries is not None and queries.shape != self.label_queries.shape:
            got = tuple(queries.shape)
            raise ValueError(
                f'cannot load {prefix}label_queries of shape {got} into '
                f'LabelWiseAttentionNeck: expected (num_classes, embed_dims)'
                f' = ({self.num_classes}, {self.embed_dims})')
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _tokens(self, inputs: Union[Tensor, Sequence[Tensor]]) -> Tensor:
        """Backbone output -> tokens (B, N, D)."""
        feats = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        if feats.dim() == 4:
            tokens = feats.flatten(2).transpose(1, 2)  # (B, H*W, D)
        elif feats.dim() == 3:
            tokens = feats
        else:
            raise ValueError(
                'LabelWiseAttentionNeck expects a (B, D, H, W) map or '
                f'(B, N, D) tokens, got shape {tuple(feats.shape)}')
        if tokens.shape[-1] != self.in_channels:
            raise ValueError(
                f'LabelWiseAttentionNeck has in_channels={self.in_channels} '
                f'but the backbone gives {tokens.shape[-1]} channels')
        return tokens

    def forward_with_details(self, inputs: Union[Tensor, Sequence[Tensor]],
                             need_weights: bool = True) -> Dict[str, Tensor]:
        """Run the block and keep the label-attention map.

        Args:
            inputs (Tensor | Sequence[Tensor]): Backbone output; the last
                item is used.
            need_weights (bool): Compute the label cross-attention map.

        Returns:
            dict[str, Tensor]: ``tokens`` (B, N, D) after the token blocks,
            ``label_attention`` (B, h, L, N) (None unless asked; the
            reference's (h*B, L, N) is its head-major flattening) and
            ``label_embeddings`` G (B, L, d).
        """
        tokens = self._tokens(inputs)  # (B, N, D)
        for block in self.token_blocks:
            tokens, _ = block(tokens, tokens)  # (B, N, D)
        queries = self.label_queries.to(tokens.dtype).expand(
            tokens.shape[0], -1, -1)  # (B, L, d)
        embeddings, attention = self.label_attention(
            queries, tokens, need_weights)  # (B, L, d), (B, h, L, N)
        for block in self.label_blocks:
            embeddings, _ = block(embeddings, embeddings)  # (B, L, d)
        return dict(
            tokens=tokens,
            label_attention=attention,
            label_embeddings=embeddings)

    def forward(self, inputs: Union[Tensor, Sequence[Tensor]]
                ) -> Tuple[Tensor]:
        """Label-level embeddings for the head.

        Args:
            inputs (Tensor | Sequence[Tensor]): (B, D, H, W) map or
                (B, N, D) tokens (or a tuple whose last item is one).

        Returns:
            tuple[Tensor]: ``(G,)`` with G (B, L, d).
        """
        details = self.forward_with_details(inputs, need_weights=False)
        return (details['label_embeddings'], )

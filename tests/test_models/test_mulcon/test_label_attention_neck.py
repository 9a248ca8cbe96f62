"""MulCon's label-wise attention neck: shapes, sizes, initialisation.

Numbers from the paper's COCO setting (Dao et al., Neurocomputing 2023;
docs/reference/mulcon.md (Fidelity vectors)).
"""
import math

import pytest
import torch

import mmmlc  # noqa: F401
from mmmlc.models.necks import LabelWiseAttentionNeck
from mmmlc.models.utils import MultiheadAttentionBlock, set_attention
from mmmlc.registry import MODELS


def ResNet(**kwargs):  # noqa: N802
    return MODELS.build(dict(type='ResNet', **kwargs))


def _count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.fixture(scope='module')
def coco_neck():
    torch.manual_seed(0)
    return LabelWiseAttentionNeck(in_channels=2048, num_classes=80)


def test_parameter_counts(coco_neck):
    assert _count(MultiheadAttentionBlock(2048, 2048, 2048)) == 16_793_600
    assert _count(coco_neck.label_attention) == 6_299_648
    assert _count(coco_neck.label_blocks[0]) == 4_202_496
    assert coco_neck.label_queries.numel() == 81_920
    assert _count(coco_neck) == 44_171_264
    trunk = ResNet(depth=101, out_indices=(3, ))
    assert _count(trunk) == 42_500_160


def test_initialisation(coco_neck):
    bound = math.sqrt(6 / (1024 * (80 + 1)))
    assert bound == pytest.approx(0.0085052, abs=1e-7)
    queries = coco_neck.label_queries.detach()
    assert queries.abs().max() <= bound
    # Uniform on [-b, b]: std b / sqrt(3).
    assert queries.std().item() == pytest.approx(bound / math.sqrt(3),
                                                 rel=0.02)
    for name, module in coco_neck.named_modules():
        if isinstance(module, torch.nn.Linear):
            assert module.weight.std().item() == pytest.approx(
                0.02, rel=0.02), name
            assert torch.count_nonzero(module.bias) == 0, name
        if isinstance(module, torch.nn.LayerNorm):
            assert torch.all(module.weight == 1), name
            assert torch.count_nonzero(module.bias) == 0, name


def test_shapes_at_448(coco_neck):
    # On the meta device: shapes without the 8 GMAC per image.
    trunk = ResNet(depth=101, out_indices=(3, )).to('meta')
    neck = LabelWiseAttentionNeck(2048, 80).to('meta')
    feats = trunk(torch.empty(2, 3, 448, 448, device='meta'))
    assert feats[-1].shape == (2, 2048, 14, 14)
    details = neck.forward_with_details(feats)
    assert details['tokens'].shape == (2, 196, 2048)
    assert details['label_embeddings'].shape == (2, 80, 1024)
    # The reference's (4B, L, N) map, one head per (b, j).
    assert details['label_attention'].shape == (2, 4, 80, 196)
    assert neck(feats)[0].shape == (2, 80, 1024)


def _reference_style_attention(q, k, v, heads):
    """Heads stacked along the batch, head-major, as the released code."""
    dims = q.shape[-1]
    q_, k_, v_ = (torch.cat(x.split(dims // heads, 2), 0) for x in (q, k, v))
    attn = torch.softmax(q_ @ k_.transpose(1, 2) / math.sqrt(dims), 2)
    out = q_ + attn @ v_
    return torch.cat(out.split(q.shape[0], 0), 2), attn


@pytest.mark.parametrize('need_weights', [False, True])
def test_set_attention_matches_head_stacking(need_weights):
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(3, n, 16, generator=gen) for n in (5, 7, 7))
    out, weights = set_attention(q, k, v, 4, need_weights)
    expected, attn = _reference_style_attention(q, k, v, 4)
    torch.testing.assert_close(out, expected)
    if need_weights:
        # Reference row j*B + b is our [b, j].
        torch.testing.assert_close(
            weights.transpose(0, 1).reshape(12, 5, 7), attn)


def test_block_order_and_post_norm():
    torch.manual_seed(0)
    neck = LabelWiseAttentionNeck(16, 3, embed_dims=8, num_heads=2).eval()
    tokens = torch.randn(2, 16, 5)  # (B, D, N) as a 1-D map: use 4-D
    feats = tokens.unsqueeze(-1)  # (B, D, N, 1)
    r = feats.flatten(2).transpose(1, 2)
    for block in neck.token_blocks:
        r = block(r, r)[0]
    g = neck.label_attention(neck.label_queries.expand(2, -1, -1), r)[0]
    g = neck.label_blocks[0](g, g)[0]
    torch.testing.assert_close(neck((feats, ))[0], g)
    # Token input (ViT-style (B, N, D)) gives the same result.
    torch.testing.assert_close(neck(feats.flatten(2).transpose(1, 2))[0], g)
    # Post-norm: each output row is a LayerNorm output (mean 0, unit var).
    torch.testing.assert_close(g.mean(-1), torch.zeros(2, 3), atol=1e-5,
                               rtol=0)


def test_paper_figure_variant_and_errors():
    neck = LabelWiseAttentionNeck(16, 3, 8, 2, num_token_blocks=1)
    assert len(neck.token_blocks) == 1
    with pytest.raises(ValueError, match='in_channels=16'):
        neck(torch.zeros(1, 12, 2, 2))
    with pytest.raises(ValueError, match='divisible'):
        LabelWiseAttentionNeck(16, 3, embed_dims=10, num_heads=4)
    other = LabelWiseAttentionNeck(16, 5, 8, 2).state_dict()
    with pytest.raises(ValueError, match=r'\(num_classes, embed_dims\) = '
                       r'\(3, 8\)'):
        neck.load_state_dict(other)

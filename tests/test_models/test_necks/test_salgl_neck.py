"""SceneLabelGraphNeck and its pure functions against hand-computed values.

The numbers come from docs/reference/salgl.md, "Fidelity vectors" (worked
out from the reference's formulas), or by hand in the comments.
"""
import math

import numpy as np
import pytest
import torch

import mmmlc  # noqa: F401
from mmmlc.models.heads import SceneAwarePerClassHead
from mmmlc.models.necks import SceneLabelGraphNeck
from mmmlc.models.utils import (GatedGraphPropagation,
                                LabelSemanticAttention,
                                cooccurrence_to_transition,
                                hard_scene_assignment, label_cooccurrence,
                                scene_adjacency, sine_position_encoding)

# docs/reference/salgl.md, "Fidelity vectors": y1=[1,1,0], y2=[1,0,1] in
# scene 0; y3=[1,1,1], y4=[0,1,0] in scene 1.
LABELS = torch.tensor([[1., 1, 0], [1, 0, 1], [1, 1, 1], [0, 1, 0]])
SCENE_PROBS = torch.tensor([[.9, .1], [.6, .4], [.2, .8], [.3, .7]])
M0 = [[2., 1, 1], [1, 1, 0], [1, 0, 1]]
M1 = [[1., 1, 1], [1, 2, 1], [1, 1, 1]]


def tiny_neck(**kwargs) -> SceneLabelGraphNeck:
    cfg = dict(
        in_channels=16,
        num_classes=3,
        num_scenes=2,
        random_embedding=True,
        embedding_dim=8,
        attention_dim=8,
        num_heads=2,
        ffn_dim=32,
        dropout=0.0)
    cfg.update(kwargs)
    return SceneLabelGraphNeck(**cfg)


def test_label_cooccurrence_hard_example():
    weights = hard_scene_assignment(SCENE_PROBS)
    assert weights.tolist() == [[1, 0], [1, 0], [0, 1], [0, 1]]
    counts = label_cooccurrence(LABELS, weights)
    assert counts.tolist() == [M0, M1]
    # Symmetric, and the total trace is the number of positive labels.
    assert torch.equal(counts, counts.transpose(1, 2))
    assert counts.diagonal(dim1=1, dim2=2).sum() == LABELS.sum()


def test_label_cooccurrence_soft_weights_each_sample():
    counts = label_cooccurrence(LABELS, SCENE_PROBS)
    expected = sum(p[:, None, None] * torch.outer(y, y)[None]
                   for p, y in zip(SCENE_PROBS, LABELS))
    torch.testing.assert_close(counts, expected)
    # Rows of pi sum to one: the trace still counts every positive once.
    torch.testing.assert_close(
        counts.diagonal(dim1=1, dim2=2).sum(), LABELS.sum())


@pytest.mark.parametrize('ignore_self,normalize,expected', [
    (False, False, [[[1, .5, .5], [1, 1, 0], [1, 0, 1]],
                    [[1, 1, 1], [.5, 1, .5], [1, 1, 1]]]),
    (False, True, [[[.5, .25, .25], [.5, .5, 0], [.5, 0, .5]],
                   [[1 / 3] * 3, [.25, .5, .25], [1 / 3] * 3]]),
    (True, True, [[[0, .5, .5], [1, 0, 0], [1, 0, 0]],
                  [[0, .5, .5], [.5, 0, .5], [.5, .5, 0]]]),
    # Diagonal zeroed, rows not normalised: P raw without its diagonal.
    (True, False, [[[0, .5, .5], [1, 0, 0], [1, 0, 0]],
                   [[0, 1, 1], [.5, 0, .5], [1, 1, 0]]]),
])
def test_transition_modes(ignore_self, normalize, expected):
    comatrix = torch.tensor([M0, M1], dtype=torch.float64)
    transition = cooccurrence_to_transition(comatrix, ignore_self,
                                            normalize)
    torch.testing.assert_close(
        transition, torch.tensor(expected, dtype=torch.float64),
        atol=1e-6, rtol=0)


def test_transition_of_empty_counts_is_zero():
    transition = cooccurrence_to_transition(torch.zeros(2, 3, 3))
    assert torch.equal(transition, torch.zeros(2, 3, 3))


def test_scene_adjacency_hard_and_soft():
    transition = torch.stack([torch.eye(3), torch.ones(3, 3)])
    probs = torch.tensor([[.25, .75], [.6, .4]])
    hard = scene_adjacency(transition, probs, soft=False)
    assert torch.equal(hard, torch.stack([torch.ones(3, 3), torch.eye(3)]))
    soft = scene_adjacency(transition, probs, soft=True)
    # sample 0: .25 I + .75 J, sample 1: .6 I + .4 J
    expected = torch.stack([
        .25 * torch.eye(3) + .75 * torch.ones(3, 3),
        .6 * torch.eye(3) + .4 * torch.ones(3, 3)
    ])
    torch.testing.assert_close(soft, expected)


def _set_linear(layer, weight, bias):
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(weight, dtype=torch.float32))
        layer.bias.copy_(torch.tensor(bias, dtype=torch.float32))


def _sigmoid(x):
    return 1 / (1 + math.exp(-x))


def test_one_graph_step_by_hand():
    # D = 1, two nodes, in-messages only: W_z = 1, U_r = 1, W_h = U_h = 1,
    # other weights and all biases 0.
    graph = GatedGraphPropagation(1, num_steps=1, out_messages=False)
    _set_linear(graph.update_in, [[1.]], [0.])
    _set_linear(graph.update_hidden, [[0.]], [0.])
    _set_linear(graph.reset_in, [[0.]], [0.])
    _set_linear(graph.reset_hidden, [[1.]], [0.])
    _set_linear(graph.candidate_in, [[1.]], [0.])
    _set_linear(graph.candidate_hidden, [[1.]], [0.])
    hidden = torch.tensor([[[1.], [2.]]])
    adjacency = torch.tensor([[[0., 1.], [.5, .5]]])
    out = graph(hidden, adjacency)
    expected = []
    for h, m in zip([1., 2.], [2., 1.5]):  # m = A h = [2, 1.5]
        z, r = _sigmoid(m), _sigmoid(h)
        candidate = math.tanh(m + r * h)
        expected.append((1 - z) * h + z * candidate)
    torch.testing.assert_close(out.flatten(), torch.tensor(expected))


def test_one_graph_step_with_out_messages_by_hand():
    # u = [A h ; A^T h]; W_z = [1, -1] reads in minus out messages.
    graph = GatedGraphPropagation(1, num_steps=1, out_messages=True)
    _set_linear(graph.update_in, [[1., -1.]], [.5])
    _set_linear(graph.update_hidden, [[0.]], [0.])
    _set_linear(graph.reset_in, [[0., 0.]], [0.])
    _set_linear(graph.reset_hidden, [[0.]], [0.])  # r = 1/2
    _set_linear(graph.candidate_in, [[0., 1.]], [0.])
    _set_linear(graph.candidate_hidden, [[2.]], [0.])
    hidden = torch.tensor([[[1.], [2.]]])
    adjacency = torch.tensor([[[0., 1.], [.5, .5]]])
    # A h = [2, 1.5]; A^T h = [0*1 + .5*2, 1*1 + .5*2] = [1, 2]
    expected = []
    for h, m_in, m_out in zip([1., 2.], [2., 1.5], [1., 2.]):
        z = _sigmoid(m_in - m_out + .5)
        candidate = math.tanh(m_out + 2 * .5 * h)
        expected.append((1 - z) * h + z * candidate)
    out = graph(hidden, adjacency)
    torch.testing.assert_close(out.flatten(), torch.tensor(expected))


def test_graph_matches_unfused_formula_and_zero_adjacency():
    torch.manual_seed(0)
    graph = GatedGraphPropagation(6, num_steps=2, out_messages=True)
    hidden = torch.randn(3, 4, 6)
    adjacency = torch.rand(3, 4, 4)
    h = hidden
    for _ in range(2):
        u = torch.cat([adjacency @ h, adjacency.transpose(1, 2) @ h], -1)
        z = torch.sigmoid(graph.update_in(u) + graph.update_hidden(h))
        r = torch.sigmoid(graph.reset_in(u) + graph.reset_hidden(h))
        cand = torch.tanh(
            graph.candidate_in(u) + graph.candidate_hidden(r * h))
        h = (1 - z) * h + z * cand
    torch.testing.assert_close(graph(hidden, adjacency), h)
    # M = 0 => P = 0 => messages 0.
    zero = graph.messages(hidden, torch.zeros(3, 4, 4))
    assert torch.equal(zero, torch.zeros(3, 4, 12))


def test_semantic_attention_fold_equals_two_layer_score():
    torch.manual_seed(0)
    attention = LabelSemanticAttention(6, 5, attention_dim=7)
    tokens = torch.randn(2, 4, 6)
    embeddings = torch.randn(3, 5)
    features, alpha = attention(tokens, embeddings)
    joint = torch.tanh(
        attention.feature_proj(tokens)[:, None] *
        attention.label_proj(embeddings)[None, :, None])
    scores = attention.score(attention.hidden(joint)).squeeze(-1)
    ref_alpha = scores.softmax(-1)
    torch.testing.assert_close(alpha, ref_alpha)
    torch.testing.assert_close(features, ref_alpha @ tokens)
    grads = torch.autograd.grad(features.sum(), attention.hidden.weight)
    ref_grads = torch.autograd.grad((ref_alpha @ tokens).sum(),
                                    attention.hidden.weight)
    torch.testing.assert_close(grads[0], ref_grads[0])


def test_sine_position_encoding_by_hand():
    # H = W = 2, D = 4: periods 1, 1; coordinates pi and 2 pi.
    pos = sine_position_encoding(2, 2, 4)
    expected = torch.tensor([[0., -1, 0, -1], [0, -1, 0, 1],
                             [0, 1, 0, -1], [0, 1, 0, 1]])
    torch.testing.assert_close(pos, expected, atol=1e-4, rtol=0)


def test_update_cooccurrence_reference_example():
    neck = tiny_neck()
    updated = neck.update_cooccurrence(SCENE_PROBS, LABELS)
    assert neck.comatrix.tolist() == [M0, M1]
    assert torch.equal(updated, neck.comatrix)
    neck.update_cooccurrence(SCENE_PROBS, LABELS)  # never reset: adds up
    assert neck.comatrix.tolist() == [[[2 * v for v in row] for row in M]
                                      for M in (M0, M1)]


def test_batch_counts_in_its_own_adjacency():
    torch.manual_seed(0)
    neck = tiny_neck().train()
    feats = torch.randn(4, 16, 3, 3)
    out = neck.forward_with_details((feats, ), gt_scores=LABELS)
    scenes = hard_scene_assignment(out['scene_probs'])
    counts = label_cooccurrence(LABELS, scenes)
    assert torch.equal(neck.comatrix, counts)
    # The buffer was zero before: a count-after-use rule would give A = 0.
    expected = scene_adjacency(
        cooccurrence_to_transition(counts, False, True), out['scene_probs'])
    assert expected.abs().sum() > 0
    torch.testing.assert_close(out['adjacency'], expected)
    # Eval (and training without labels) leaves the buffer alone.
    neck.forward((feats, ))
    neck.eval()
    neck.forward((feats, ), gt_scores=LABELS)
    assert torch.equal(neck.comatrix, counts)


def test_forward_shapes_and_token_inputs():
    torch.manual_seed(0)
    neck = tiny_neck(num_classes=5, num_scenes=3).eval()
    feats = torch.randn(2, 16, 3, 4)
    probs, class_feats = neck((feats, ))
    assert probs.shape == (2, 3) and class_feats.shape == (2, 5, 16)
    torch.testing.assert_close(probs.sum(-1), torch.ones(2))
    details = neck.forward_with_details(feats)
    assert details['attention'].shape == (2, 5, 12)
    assert details['adjacency'].shape == (2, 5, 5)
    # (B, N, D) tokens in row-major order give the same result.
    tokens = feats.flatten(2).transpose(1, 2)
    probs_tok, feats_tok = neck(tokens)
    torch.testing.assert_close(feats_tok, class_feats)
    # Position encoding needs a map; T = 0 fuses F alone.
    with pytest.raises(ValueError, match='position_encoding'):
        tiny_neck(position_encoding=True)(tokens)
    assert tiny_neck(position_encoding=True)(feats)[1].shape == (2, 3, 16)
    no_graph = tiny_neck(num_steps=0)
    assert no_graph.fusion.in_features == 16
    assert no_graph(feats)[1].shape == (2, 3, 16)
    with pytest.raises(ValueError, match='in_channels=16.*gives 8'):
        neck(torch.randn(2, 8, 3, 3))


@pytest.mark.parametrize('soft', [False, True])
def test_eval_is_per_image_and_permutation_equivariant(soft):
    torch.manual_seed(0)
    neck = tiny_neck(soft_scenes=soft).train()
    neck(torch.randn(4, 16, 3, 3), gt_scores=LABELS)  # non-zero buffer
    neck.eval()
    before = neck.comatrix.clone()
    feats = torch.randn(3, 16, 3, 3)
    probs, class_feats = neck(feats)
    single = neck(feats[1:2])[1]
    torch.testing.assert_close(single, class_feats[1:2])
    perm = torch.tensor([2, 0, 1])
    torch.testing.assert_close(neck(feats[perm])[1], class_feats[perm])
    assert torch.equal(neck.comatrix, before)


def _scene_grad(soft: bool, term: str) -> torch.Tensor:
    torch.manual_seed(0)
    neck = tiny_neck(soft_scenes=soft).train()
    head = SceneAwarePerClassHead(num_classes=3, in_channels=16)
    # A first step fills the buffer so the adjacency is not zero.
    neck(torch.randn(4, 16, 3, 3), gt_scores=LABELS)
    feats = neck(torch.randn(4, 16, 3, 3), gt_scores=LABELS)
    if term == 'cls':
        loss = head.loss_module(head(feats), LABELS)
    elif term == 'entropy':
        loss = head.scene_entropy_loss(feats[0])
    else:
        loss = head.scene_balance_loss(feats[0])
    loss.backward()
    grad = neck.scene_classifier.weight.grad
    return torch.zeros(1) if grad is None else grad


def test_scene_classifier_gradient_isolation():
    # Hard mode: only the entropy terms train W_s (argmax blocks L_cls).
    assert torch.count_nonzero(_scene_grad(False, 'cls')) == 0
    assert _scene_grad(False, 'entropy').abs().sum() > 0
    assert _scene_grad(False, 'balance').abs().sum() > 0
    # Soft mode: L_cls reaches W_s through pi.
    assert _scene_grad(True, 'cls').abs().sum() > 0


def test_soft_update_keeps_gradient_but_buffer_has_none():
    torch.manual_seed(0)
    neck = tiny_neck(soft_scenes=True).train()
    probs = SCENE_PROBS.clone().requires_grad_(True)
    updated = neck.update_cooccurrence(probs, LABELS)
    assert updated.requires_grad and not neck.comatrix.requires_grad
    updated.sum().backward()
    # d sum(M) / d pi_bk = |y_b|^2
    expected = (LABELS.sum(1)**2)[:, None].expand(4, 2)
    torch.testing.assert_close(probs.grad, expected)


def test_embedding_file_checks(tmp_path):
    path = tmp_path / 'emb.npy'
    np.save(path, np.arange(12, dtype=np.float64).reshape(3, 4))
    neck = tiny_neck(random_embedding=False, embedding_file=str(path),
                     embedding_dim=4)
    assert neck.label_embedding.dtype == torch.float32
    assert neck.label_embedding[2, 3] == 11
    assert 'label_embedding' in dict(neck.named_buffers())
    with pytest.raises(ValueError, match=r'emb\.npy has 3 rows.*'
                       r'num_classes=5'):
        tiny_neck(random_embedding=False, embedding_file=str(path),
                  embedding_dim=4, num_classes=5)
    with pytest.raises(ValueError, match=r'4-dim.*embedding_dim=8'):
        tiny_neck(random_embedding=False, embedding_file=str(path))
    with pytest.raises(FileNotFoundError, match='missing.npy'):
        tiny_neck(random_embedding=False,
                  embedding_file=str(tmp_path / 'missing.npy'))
    with pytest.raises(ValueError, match='random_embedding=True'):
        tiny_neck(random_embedding=False)
    garbage = tmp_path / 'garbage.npy'
    garbage.write_text('not numpy')
    with pytest.raises(ValueError, match=r'garbage\.npy is not a readable'):
        tiny_neck(random_embedding=False, embedding_file=str(garbage))


@pytest.mark.parametrize('other,match', [
    (dict(num_scenes=4), 'num_scenes=4 in the checkpoint but 2'),
    (dict(num_classes=5), 'num_classes=5 in the checkpoint but 3'),
])
def test_checkpoint_with_other_scenes_or_classes(other, match):
    state = tiny_neck(**other).state_dict()
    neck = tiny_neck()
    with pytest.raises(ValueError, match=match):
        neck.load_state_dict(state, strict=False)
    # Same shapes load, buffer included.
    source = tiny_neck()
    source.comatrix.fill_(3.)
    neck.load_state_dict(source.state_dict())
    assert torch.equal(neck.comatrix, source.comatrix)


def test_released_param_count_and_shapes(tmp_path):
    # docs/reference/salgl.md, "Architecture as released": R101, C = 80,
    # K = 6, out-messages, BERT: head 75,448,401.
    path = tmp_path / 'bert.npy'
    np.save(path, np.zeros((80, 768), dtype=np.float32))
    neck = SceneLabelGraphNeck(
        in_channels=2048, num_classes=80, embedding_file=str(path))
    head = SceneAwarePerClassHead(num_classes=80, in_channels=2048)
    count = sum(p.numel() for p in neck.parameters()) + sum(
        p.numel() for p in head.parameters())
    assert count == 75_448_401
    parts = {name: sum(p.numel() for p in module.parameters())
             for name, module in neck.named_children()}
    assert parts == dict(
        context_encoder=25_186_304,
        scene_classifier=12_288,
        semantic_attention=3_934_209,
        graph=37_761_024,
        fusion=8_390_656)
    # Shapes at 448 px: 14 x 14 = 196 tokens of 2048 channels.
    neck.eval()
    with torch.no_grad():
        out = neck.forward_with_details(torch.randn(1, 2048, 14, 14))
        logits = head(out['class_features'])
    assert out['scene_probs'].shape == (1, 6)
    assert out['attention'].shape == (1, 80, 196)
    assert out['adjacency'].shape == (1, 80, 80)
    assert logits.shape == (1, 80)

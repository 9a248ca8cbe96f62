"""Tests of SALGL's tools: label embeddings, the official-checkpoint
converter and the label-cloud / co-occurrence figures."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401  (compat setup before mmpretrain models)
from mmmlc.registry import MODELS
from mmmlc.testing import load_script, train_tiny_salgl

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _load_tool(*parts):
    return load_script(osp.join(REPO, 'tools', *parts))


embeddings_tool = _load_tool('dataset_converters', 'label_embeddings.py')
converter = _load_tool('model_converters', 'salgl_official_to_mmmlc.py')

# ---------------------------------------------------------------- embeddings


def test_ngram_embedding_is_deterministic_and_ordered(tmp_path):
    classes = tmp_path / 'label.txt'
    classes.write_text('person\ndiningtable\ntraffic light\n')
    out = tmp_path / 'emb.npy'
    array = embeddings_tool.main(
        [str(out), '--classes', str(classes), '--method', 'ngram',
         '--dim', '64'])
    saved = np.load(out)
    assert saved.shape == (3, 64) and saved.dtype == np.float64
    np.testing.assert_array_equal(saved, array)
    # Row i is the embedding of class i alone (order kept), and
    # 'diningtable' is embedded as the reference's 'dining table'.
    single = embeddings_tool.ngram_embedding(['dining table'], 64)
    np.testing.assert_array_equal(saved[1], single[0])
    np.testing.assert_allclose(np.linalg.norm(saved, axis=1), 8.0)
    # Deterministic across calls (no process hash seed).
    np.testing.assert_array_equal(
        embeddings_tool.ngram_embedding(['person'], 64)[0], saved[0])
    # Shared spelling correlates, unrelated names hardly.
    a, b, c = embeddings_tool.ngram_embedding(
        ['traffic light', 'traffic lights', 'zebra'], 768)
    assert a @ b / 768 > 0.7
    assert abs(a @ c) / 768 < 0.2


def test_ngram_hand_computed_single_gram():
    # '<a>' has the 2-grams '<a', 'a>' and the 3-gram '<a>' (no 4-gram):
    # three +-1 entries, scaled to norm sqrt(E).
    vec = embeddings_tool.ngram_embedding(['a'], 4096)[0]
    nonzero = vec[vec != 0]
    assert len(nonzero) == 3
    np.testing.assert_allclose(np.abs(nonzero), np.sqrt(4096 / 3))


def test_classes_from_dataset_config_and_bad_class_file(tmp_path):
    names = embeddings_tool.classes_from_config(
        osp.join(REPO, 'configs', '_base_', 'datasets', 'voc07_448.py'))
    assert len(names) == 20 and names[0] == 'aeroplane'
    assert names[-1] == 'tvmonitor'
    bad = tmp_path / 'bad.txt'
    bad.write_text('cat\n\ndog\n')
    with pytest.raises(ValueError, match=r'bad\.txt.*empty lines \[2\]'):
        embeddings_tool.read_class_file(str(bad))
    dup = tmp_path / 'dup.txt'
    dup.write_text('cat\ndog\ncat\n')
    with pytest.raises(ValueError, match=r"dup\.txt.*\['cat'\]"):
        embeddings_tool.read_class_file(str(dup))
    with pytest.raises(ValueError, match='needs --model'):
        embeddings_tool.main([str(tmp_path / 'x.npy'), '--classes',
                              _write(tmp_path / 'ok.txt', 'cat\n')])


def _write(path, text):
    path.write_text(text)
    return str(path)


def test_embedding_file_shape_mismatch_names_both_numbers(tmp_path):
    path = tmp_path / 'emb.npy'
    np.save(path, embeddings_tool.ngram_embedding(['a', 'b', 'c'], 16))
    init_default_scope('mmmlc')
    with pytest.raises(ValueError, match=r'3 rows.*num_classes=4'):
        MODELS.build(
            dict(type='SceneLabelGraphNeck', in_channels=8, num_classes=4,
                 embedding_file=str(path), embedding_dim=16))


def _tiny_bert(tmp_path):
    """A randomly initialised 2-layer BERT and its word-piece vocabulary."""
    transformers = pytest.importorskip(
        'transformers',
        reason='transformers is not installed: the BERT path of '
        'label_embeddings.py cannot be tested (pip install transformers)')
    vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'person', 'dining',
             'table', 'traffic', 'light', 'tv', 'monitor', 'zeb', '##ra']
    (tmp_path / 'vocab.txt').write_text('\n'.join(vocab) + '\n')
    tokenizer = transformers.BertTokenizer(
        str(tmp_path / 'vocab.txt'), do_lower_case=True)
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=64, type_vocab_size=2)
    model = transformers.BertModel(config)
    # Make token types matter, so a wrong segment id would show.
    with torch.no_grad():
        model.embeddings.token_type_embeddings.weight.normal_()
    folder = tmp_path / 'bert'
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return model.eval(), vocab, folder


def test_bert_embedding_follows_the_reference(tmp_path):
    model, vocab, folder = _tiny_bert(tmp_path)
    classes = _write(tmp_path / 'label.txt',
                     'person\ndiningtable\nzebra\ntvmonitor\n')
    out = tmp_path / 'bert.npy'
    array = embeddings_tool.main(
        [str(out), '--classes', classes, '--method', 'bert',
         '--model', str(folder)])
    assert array.shape == (4, 32) and array.dtype == np.float64
    np.testing.assert_array_equal(np.load(out), array)

    def hidden(tokens, token_type):
        ids = torch.tensor([[vocab.index(t) for t in tokens]])
        with torch.no_grad():
            return model(
                input_ids=ids,
                token_type_ids=torch.full_like(ids, token_type)
            ).last_hidden_state[0].double().numpy()

    # One word-piece: its own vector; several: the [CLS] vector.
    expected = np.stack([
        hidden(['[CLS]', 'person'], 0)[1],
        hidden(['[CLS]', 'dining', 'table'], 0)[0],
        hidden(['[CLS]', 'zeb', '##ra'], 0)[0],
        hidden(['[CLS]', 'tv', 'monitor'], 0)[0],
    ])
    np.testing.assert_allclose(array, expected, rtol=1e-5, atol=1e-6)
    # The reference's "segments" reach BERT as the attention mask: token
    # type 1 would give other vectors.
    assert not np.allclose(array[0], hidden(['[CLS]', 'person'], 1)[1],
                           atol=1e-3)


def test_bert_path_refuses_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing is downloaded|'
                       'Nothing is downloaded'):
        embeddings_tool.bert_embedding(['cat'], str(tmp_path / 'none'))


# ----------------------------------------------------------------- converter


def _salgl_model(backbone, in_channels, num_classes=5, num_scenes=3):
    init_default_scope('mmmlc')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='LabelAwareClassifier',
            data_preprocessor=dict(num_classes=num_classes),
            backbone=backbone,
            neck=dict(
                type='SceneLabelGraphNeck', in_channels=in_channels,
                num_classes=num_classes, num_scenes=num_scenes,
                random_embedding=True, embedding_dim=16, attention_dim=8,
                ffn_dim=32, num_heads=2),
            head=dict(type='SceneAwarePerClassHead',
                      num_classes=num_classes, in_channels=in_channels)))
    with torch.no_grad():
        model.neck.comatrix.copy_(
            torch.arange(model.neck.comatrix.numel()).float().view_as(
                model.neck.comatrix))
    return model


RESNET = dict(type='ResNet', depth=18, out_indices=(3, ))
VIT = dict(
    type='VisionTransformer',
    arch=dict(embed_dims=32, num_layers=2, num_heads=2,
              feedforward_channels=64),
    img_size=64, patch_size=16, out_type='raw', with_cls_token=True)

# The reference's own names (models/salgl.py, models/utils.py) for every
# part outside the backbone.
OFFICIAL_HEAD_KEYS = {
    'tb.layers.0.self_attn.in_proj_weight',
    'tb.layers.0.self_attn.in_proj_bias',
    'tb.layers.0.self_attn.out_proj.weight',
    'tb.layers.0.self_attn.out_proj.bias', 'tb.layers.0.linear1.weight',
    'tb.layers.0.linear1.bias', 'tb.layers.0.linear2.weight',
    'tb.layers.0.linear2.bias', 'tb.layers.0.norm1.weight',
    'tb.layers.0.norm1.bias', 'tb.layers.0.norm2.weight',
    'tb.layers.0.norm2.bias', 'embeddings', 'scene_linear.weight',
    'comatrix', 'attention.linear1.weight', 'attention.linear2.weight',
    'attention.hidden_linear.weight', 'attention.hidden_linear.bias',
    'attention.target_linear.weight', 'attention.target_linear.bias',
    'fc.0.weight', 'fc.0.bias', 'classifier.weight', 'classifier.bias',
    *{f'ggnn.fc{i}_{s}.{p}' for i in '123' for s in 'wu'
      for p in ('weight', 'bias')},
}


@pytest.mark.parametrize('backbone,in_channels', [(RESNET, 512), (VIT, 32)],
                         ids=['resnet', 'vit'])
def test_converter_round_trip_is_exact(backbone, in_channels, tmp_path):
    model = _salgl_model(backbone, in_channels)
    ours = model.state_dict()
    official = converter.convert_back(ours)
    head_keys = {k for k in official if not k.startswith('backbone.')}
    assert head_keys == OFFICIAL_HEAD_KEYS
    if backbone is VIT:
        assert {'backbone.patch_embed.proj.weight', 'backbone.norm.weight',
                'backbone.blocks.1.mlp.fc2.bias', 'backbone.cls_token',
                'backbone.pos_embed'} <= set(official)
    else:
        assert 'backbone.layer4.1.bn2.running_var' in official
    # As released: EMA weights under 'module.', plus the (dropped) sine
    # position buffer of pos=True models.
    released = {f'module.{k}': v.clone() for k, v in official.items()}
    released['module.position_embedding.pe'] = torch.zeros(1, 4, 2, 2)
    src = tmp_path / 'ema_best_model.pth'
    torch.save(released, src)
    dst = tmp_path / 'converted.pth'
    converter.main([str(src), str(dst), '--num-scenes', '3',
                    '--num-classes', '5'])
    converted = torch.load(dst, weights_only=True)['state_dict']
    assert list(converted) == list(ours)
    for key, value in ours.items():
        assert torch.equal(converted[key], value), key
    fresh = _salgl_model(backbone, in_channels)
    fresh.load_state_dict(converted, strict=True)


def test_converter_refuses_unknown_and_missing_keys():
    official = converter.convert_back(_salgl_model(RESNET, 512).state_dict())
    extra = dict(official, **{'scene_linear.bias': torch.zeros(3),
                              'backbone.fc.weight': torch.zeros(2, 2)})
    with pytest.raises(ValueError,
                       match=r"ckpt\.pth: 2 keys .*'scene_linear\.bias'"):
        converter.convert(extra, 'ckpt.pth')
    partial = {k: v for k, v in official.items() if k != 'comatrix'}
    with pytest.raises(ValueError,
                       match=r"ckpt\.pth: .*missing .*\['neck\.comatrix'\]"):
        converter.convert(partial, 'ckpt.pth')


def test_converter_names_both_scene_and_class_counts(tmp_path):
    official = converter.convert_back(_salgl_model(RESNET, 512).state_dict())
    converted = converter.convert(official, 'ckpt.pth')
    with pytest.raises(ValueError, match=r'num_scenes=3 in the checkpoint '
                       r'but 6 in the target model; num_classes=5 in the '
                       r'checkpoint but 80 in the target model'):
        converter.check_sizes(converted, 'ckpt.pth', 6, 80)
    # Loading into a model of another K also names both numbers.
    other = _salgl_model(RESNET, 512, num_scenes=4)
    with pytest.raises(ValueError, match=r'num_scenes=3 in the checkpoint '
                       r'but 4 in this model'):
        other.load_state_dict(converted)


# ------------------------------------------------------------------ figures

heatmap_tool = _load_tool('analysis_tools', 'cooccurrence_heatmap.py')
cloud_tool = _load_tool('analysis_tools', 'label_cloud.py')
DIGITS = osp.join(REPO, 'configs', 'salgl',
                  'salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')
COMATRIX = np.array([[[2, 1, 1], [1, 1, 0], [1, 0, 1]],
                     [[1, 1, 1], [1, 2, 1], [1, 1, 1]]], dtype=np.float32)


def test_conditional_cooccurrence_hand_computed():
    # The heatmap zeroes the diagonal and does not normalise rows.
    prob = heatmap_tool.conditional_cooccurrence(COMATRIX)
    np.testing.assert_allclose(
        prob[0], [[0, .5, .5], [1, 0, 0], [1, 0, 0]], atol=1e-6)
    np.testing.assert_allclose(
        prob[1], [[0, 1, 1], [.5, 0, .5], [1, 1, 0]], atol=1e-6)


def test_scene_counts_and_shares_hand_computed():
    counts = cloud_tool.scene_label_counts([0, 0, 1, 2],
                                           [[0, 1], [1], [1, 2], []], 3, 4)
    np.testing.assert_array_equal(
        counts, [[1, 2, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]])
    shares = cloud_tool.label_scene_shares(counts)
    np.testing.assert_allclose(shares[:, 1], [2 / 3, 1 / 3, 0])
    np.testing.assert_allclose(shares[:, 3], [0, 0, 0])  # never seen


@pytest.fixture(scope='module')
def digits_checkpoint(tmp_path_factory):
    """A SALGL DigitScenes model after 3 training steps and its overrides."""
    return train_tiny_salgl(DIGITS,
                            str(tmp_path_factory.getbasetemp() / 'salgl'))


def test_cooccurrence_heatmap_tool_writes_png(digits_checkpoint, tmp_path):
    path, _, comatrix = digits_checkpoint
    # 3 steps of 4 images: every label counted once in its hard scene.
    assert float(comatrix.diagonal(dim1=1, dim2=2).sum()) > 0
    written = heatmap_tool.main(
        [path, '--out-dir', str(tmp_path), '--dpi', '60'])
    assert [osp.basename(p) for p in written] == [
        f'heatmap_scene{k}.png' for k in range(4)]
    for png in written:
        with open(png, 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    with pytest.raises(ValueError, match=r'scenes \[7\] .*num_scenes=4'):
        heatmap_tool.main([path, '--out-dir', str(tmp_path), '--scenes',
                           '7'])
    with pytest.raises(ValueError, match=r"unknown class names \['cat'\]"):
        heatmap_tool.main([path, '--out-dir', str(tmp_path), '--labels',
                           'cat'])


def test_label_cloud_tool_bars_and_comatrix(digits_checkpoint, tmp_path,
                                            capsys):
    path, args, comatrix = digits_checkpoint
    written = cloud_tool.main([
        DIGITS, path, '--out-dir', str(tmp_path / 'pred'), '--style', 'bars',
        '--cfg-options', *args
    ])
    assert written and all(osp.getsize(p) > 1000 for p in written)
    # From the buffer: the scenes with counts get a figure each.
    written = cloud_tool.main([
        DIGITS, path, '--out-dir', str(tmp_path / 'comat'), '--source',
        'comatrix', '--style', 'bars', '--cfg-options', *args
    ])
    used = (comatrix.diagonal(dim1=1, dim2=2).sum(-1) > 0).sum()
    assert len(written) == int(used)
    out = capsys.readouterr().out
    assert 'training label counts in neck.comatrix' in out


def test_label_cloud_says_when_wordcloud_is_missing(digits_checkpoint,
                                                    tmp_path, capsys,
                                                    monkeypatch):
    path, args, _ = digits_checkpoint
    monkeypatch.setattr(cloud_tool, 'wordcloud_available', lambda: False)
    cloud_tool.main([DIGITS, path, '--out-dir', str(tmp_path), '--cfg-options',
                     *args])
    assert 'wordcloud is not installed' in capsys.readouterr().out

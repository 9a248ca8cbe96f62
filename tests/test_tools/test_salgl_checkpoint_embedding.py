"""Issue 19 item 12: a converted SALGL checkpoint needs no embedding .npy.

The checkpoint carries ``neck.label_embedding`` (the reference's
``embeddings``; docs/reference/salgl.md, "Checkpoint layout" and "Quirks and
switches"). When the file is missing and a checkpoint is loaded, the tools
take the embedding from it (``mmmlc/utils/checkpoint_embedding.py``);
``model.neck.embedding_from_checkpoint=True`` forces a placeholder the
checkpoint fills; without a file or such a checkpoint the error says what
to do.
"""
import importlib.util
import os
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmmlc  # noqa: F401
from mmmlc.models.necks import SceneLabelGraphNeck
from mmmlc.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DIGITS = osp.join(REPO, 'configs', 'salgl',
                  'salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')


def _tiny_neck(**kwargs):
    cfg = dict(in_channels=16, num_classes=3, num_scenes=2, embedding_dim=4,
               attention_dim=8, num_heads=2, ffn_dim=32, dropout=0.0)
    cfg.update(kwargs)
    return SceneLabelGraphNeck(**cfg)


def test_neck_placeholder_filled_by_state_dict(tmp_path):
    path = tmp_path / 'emb.npy'
    np.save(path, np.arange(12, dtype=np.float32).reshape(3, 4) / 10)
    torch.manual_seed(0)
    source = _tiny_neck(embedding_file=str(path)).eval()
    neck = _tiny_neck(embedding_from_checkpoint=True,
                      embedding_file='missing.npy').eval()  # not read
    assert neck.label_embedding.shape == (3, 4)
    tokens = torch.randn(2, 16, 2, 2)
    with pytest.raises(RuntimeError, match=r'neck\.label_embedding.*'
                       r'tools/test\.py'):
        neck(tokens)
    # A state dict without the key leaves it unfilled: still an error.
    partial = {k: v for k, v in source.state_dict().items()
               if k != 'label_embedding'}
    neck.load_state_dict(partial, strict=False)
    with pytest.raises(RuntimeError, match='embedding_from_checkpoint'):
        neck(tokens)
    neck.load_state_dict(source.state_dict())
    assert neck.label_embedding[2].tolist() == pytest.approx(
        [0.8, 0.9, 1.0, 1.1])
    for got, want in zip(neck(tokens), source(tokens)):
        assert torch.equal(got, want)
    # Another embedding size in the checkpoint names both numbers.
    other = _tiny_neck(embedding_from_checkpoint=True, embedding_dim=6)
    with pytest.raises(ValueError, match='embedding_dim=4 in the checkpoint '
                       'but 6 in this model'):
        other.load_state_dict(source.state_dict())
    with pytest.raises(ValueError, match='not both'):
        _tiny_neck(embedding_from_checkpoint=True, random_embedding=True)


def test_missing_file_error_names_the_switch(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r'missing\.npy not found.*neck\.label_embedding'
                       r'.*embedding_from_checkpoint=True'):
        _tiny_neck(embedding_file=str(tmp_path / 'missing.npy'))


# ------------------------------------------------ through tools/test.py


def _load_converter():
    path = osp.join(REPO, 'tools', 'model_converters',
                    'salgl_official_to_mmmlc.py')
    spec = importlib.util.spec_from_file_location('salgl_converter', path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def _overrides(data_root, embedding_file):
    overrides = {
        'model.neck.random_embedding': False,
        'model.neck.embedding_file': embedding_file,
        'model.neck.embedding_dim': 16,
        'model.neck.attention_dim': 16,
        'model.neck.ffn_dim': 64,
    }
    for split in ('train', 'val', 'test'):
        overrides[f'{split}_dataloader.num_workers'] = 0
        overrides[f'{split}_dataloader.persistent_workers'] = False
        overrides[f'{split}_dataloader.batch_size'] = 4
        overrides[f'{split}_dataloader.dataset.data_root'] = data_root
        for key, size in (('num_train', 8), ('num_val', 4), ('num_test', 8)):
            overrides[f'{split}_dataloader.dataset.{key}'] = size
    return overrides


def _test_py(args, tmp_path):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', DIGITS, *args, '--work-dir',
         str(tmp_path / 'work')],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.e2e
def test_converted_checkpoint_through_tools_test(tmp_path):
    data_root = str(tmp_path / 'digit_scenes')
    embedding = tmp_path / 'bert.npy'
    rng = np.random.default_rng(0)
    np.save(embedding, rng.standard_normal((10, 16)).astype(np.float32))
    cfg = Config.fromfile(DIGITS)
    cfg.merge_from_dict(_overrides(data_root, str(embedding)))
    init_default_scope('mmmlc')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():  # some co-occurrence counts, as after training
        model.neck.comatrix.copy_(
            torch.arange(model.neck.comatrix.numel()).float().view_as(
                model.neck.comatrix) % 5)
    loader = Runner.build_dataloader(cfg.test_dataloader)
    with torch.no_grad():
        expected = torch.cat([
            torch.stack([s.pred_score for s in model.test_step(batch)])
            for batch in loader
        ]).numpy()

    # The released layout, converted by the real converter.
    converter = _load_converter()
    official = converter.convert_back(model.state_dict())
    torch.save({f'module.{k}': v for k, v in official.items()},
               tmp_path / 'ema_best_model.pth')
    ckpt = tmp_path / 'converted.pth'
    converter.main([str(tmp_path / 'ema_best_model.pth'), str(ckpt),
                    '--num-scenes', '4', '--num-classes', '10'])
    embedding.unlink()  # the .npy is gone; the checkpoint carries it
    options = [f'{k}={v}' for k, v in _overrides(
        data_root, str(embedding)).items()]

    # No flag: the missing file and a checkpoint that carries the key make
    # the neck take the embedding from the checkpoint.
    preds = tmp_path / 'preds.npz'
    code, out = _test_py([str(ckpt), '--out', str(preds), '--cfg-options',
                          *options], tmp_path)
    assert code == 0, out[-4000:]
    assert (f'label embedding file {embedding} not found; the neck takes '
            f'neck.label_embedding (10, 16) from {ckpt}') in out
    scores = np.load(preds)['scores']
    assert scores.shape == (8, 10)
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-5)

    # The explicit switch still works.
    preds = tmp_path / 'preds_flag.npz'
    code, out = _test_py([
        str(ckpt), '--out', str(preds), '--cfg-options', *options,
        'model.neck.embedding_from_checkpoint=True'
    ], tmp_path)
    assert code == 0, out[-4000:]
    np.testing.assert_allclose(np.load(preds)['scores'], expected, rtol=0,
                               atol=1e-5)

    # A checkpoint without neck.label_embedding and no file: a clear error
    # naming the file, the checkpoint and the key.
    state = torch.load(ckpt, weights_only=True)
    del state['state_dict']['neck.label_embedding']
    bare = tmp_path / 'no_embedding.pth'
    torch.save(state, bare)
    code, out = _test_py([str(bare), '--cfg-options', *options], tmp_path)
    assert code != 0
    errors = re.findall(r'^\w*(?:Error|Exception): .*$', out, re.M)
    assert errors and (f'embedding_file={embedding} does not exist and the '
                       f'checkpoint {bare} holds no neck.label_embedding'
                       ) in errors[-1], out[-3000:]
    # With the explicit switch, the loader's or the neck's check names the
    # key.
    code, out = _test_py([
        str(bare), '--cfg-options', *options,
        'model.neck.embedding_from_checkpoint=True'
    ], tmp_path)
    assert code != 0
    errors = re.findall(r'^\w*(?:Error|Exception): .*$', out, re.M)
    assert errors and 'neck.label_embedding' in errors[-1], out[-3000:]

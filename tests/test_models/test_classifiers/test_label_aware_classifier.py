"""SALGL end to end: backbone -> SceneLabelGraphNeck -> head, one step."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import mmmlc  # noqa: F401
from mmmlc.models.classifiers import LabelAwareClassifier
from mmmlc.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
LABELS = [[0, 1], [1, 4], [2], [0, 3, 4]]


def tiny_model(soft: bool = False) -> LabelAwareClassifier:
    init_default_scope('mmmlc')
    return MODELS.build(
        dict(
            type='LabelAwareClassifier',
            data_preprocessor=dict(
                num_classes=5, mean=[128.] * 3, std=[64.] * 3),
            backbone=dict(
                type='ResNet', depth=18, out_indices=(3, ),
                base_channels=8),
            neck=dict(
                type='SceneLabelGraphNeck',
                in_channels=64,
                num_classes=5,
                num_scenes=3,
                random_embedding=True,
                embedding_dim=8,
                attention_dim=16,
                num_heads=2,
                ffn_dim=32,
                soft_scenes=soft),
            head=dict(
                type='SceneAwarePerClassHead', num_classes=5,
                in_channels=64)))


def batch(seed: int = 0) -> dict:
    """A collated batch (``default_collate``: one uint8 tensor)."""
    rng = np.random.default_rng(seed)
    inputs = torch.from_numpy(
        rng.integers(0, 255, (len(LABELS), 3, 64, 64), dtype=np.uint8))
    samples = [DataSample().set_gt_label(label) for label in LABELS]
    return dict(inputs=inputs, data_samples=samples)


def test_released_config_builds(tmp_path):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/models/salgl_resnet101.py'))
    path = tmp_path / 'bert.npy'
    np.save(path, np.zeros((80, 768), dtype=np.float32))
    cfg.model.neck.embedding_file = str(path)
    cfg.model.backbone.init_cfg = None
    init_default_scope('mmmlc')
    model = MODELS.build(cfg.model)
    assert isinstance(model, LabelAwareClassifier)
    # 117,948,561 parameters with the ResNet-101 backbone:
    # docs/reference/salgl.md, "Architecture as released".
    assert sum(p.numel() for p in model.parameters()) == 117_948_561
    neck = model.neck
    assert (neck.num_scenes, neck.normalize, neck.ignore_self,
            neck.soft_scenes, neck.graph.out_messages,
            neck.graph.num_steps) == (6, True, False, False, True, 3)
    assert neck.comatrix.shape == (6, 80, 80)


@pytest.mark.parametrize('soft', [False, True])
def test_train_step_contract(soft):
    torch.manual_seed(0)
    model = tiny_model(soft).train()
    optim = OptimWrapper(torch.optim.AdamW(model.parameters(), lr=1e-3))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    log_vars = model.train_step(batch(), optim)
    assert set(log_vars) == {
        'loss', 'loss_cls', 'loss_scene_entropy', 'loss_scene_balance'
    }
    assert torch.isfinite(log_vars['loss'])
    comatrix = model.neck.comatrix
    # Every positive label counted once on the diagonal, matrices symmetric.
    assert comatrix.diagonal(dim1=1, dim2=2).sum().item() == pytest.approx(
        sum(map(len, LABELS)))
    torch.testing.assert_close(comatrix, comatrix.transpose(1, 2))
    changed = {k for k, v in model.state_dict().items()
               if not torch.equal(v, before[k])}
    for key in ('neck.scene_classifier.weight', 'neck.fusion.weight',
                'neck.graph.update_in.weight', 'neck.label_embedding',
                'head.weight', 'backbone.conv1.weight'):
        assert key in changed
    # Prediction: no buffer update, scores and scenes in the samples.
    model.eval()
    frozen = model.neck.comatrix.clone()
    preds = model.val_step(batch(1))
    assert torch.equal(model.neck.comatrix, frozen)
    assert preds[0].pred_score.shape == (5, )
    assert preds[0].scene_score.shape == (3, )
    assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 5)


_FORBIDDEN = ('item', 'tolist', '__bool__', '__int__', '__float__',
              '__index__')


def test_train_step_has_no_host_sync(monkeypatch):
    torch.manual_seed(0)
    model = tiny_model().train()
    # The recipe's AdamW, fused: the unfused one reads its CPU step counter
    # with .item() (not a device sync on a GPU, but this patch catches it).
    optim = OptimWrapper(
        torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01,
                          fused=True))
    data = batch()
    model.train_step(data, optim)  # warm-up outside the patch

    def refuse(name):
        def fn(*args, **kwargs):
            raise AssertionError(f'host sync: Tensor.{name} in a train step')
        return fn

    for name in _FORBIDDEN:
        monkeypatch.setattr(torch.Tensor, name, refuse(name))
    model.train_step(batch(1), optim)
    monkeypatch.undo()
    # The patch really catches a sync.
    for name in _FORBIDDEN:
        monkeypatch.setattr(torch.Tensor, name, refuse(name))
    with pytest.raises(AssertionError, match='host sync'):
        torch.ones(1).item()


def test_bf16_autocast_channels_last_keeps_exact_float32_counts():
    torch.manual_seed(0)
    model = tiny_model().train().to(memory_format=torch.channels_last)
    data = model.data_preprocessor(batch(), True)
    inputs = data['inputs'].to(memory_format=torch.channels_last)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = model(inputs, data['data_samples'], mode='loss')
    sum(losses.values()).backward()
    assert all(v.dtype == torch.float32 for v in losses.values())
    comatrix = model.neck.comatrix
    assert comatrix.dtype == torch.float32
    assert torch.equal(comatrix, comatrix.round())
    assert comatrix.diagonal(dim1=1, dim2=2).sum() == sum(map(len, LABELS))
    assert model.neck.scene_classifier.weight.grad is not None

"""OASSClassifier and CAMHead: GAP equivalence, variants, schedule, no
host transfer (docs/reference/oass.md, fidelity 1, 6, 9)."""
import pytest
import torch
import torch.nn as nn
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.registry import MODELS
from mmmlc.testing import HostTransferGuard

C = 5


def build(**kwargs):
    init_default_scope('mmmlc')
    cfg = dict(
        type='OASSClassifier',
        backbone=dict(
            type='ResNet', depth=18, strides=(1, 2, 2, 1), base_channels=8,
            stem_channels=8, out_indices=(3,)),
        head=dict(type='CAMHead', num_classes=C, in_channels=64),
        data_preprocessor=dict(
            type='ClsDataPreprocessor', num_classes=C, to_onehot=True,
            mean=[0, 0, 0], std=[1, 1, 1]))
    cfg.update(kwargs)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(b=2, size=64, device='cpu', seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(b, 3, size, size, generator=gen).to(device)
    labels = (torch.rand(b, C, generator=gen) < 0.5).float()
    labels[:, 0] = 1
    samples = [DataSample().set_gt_score(y.to(device)) for y in labels]
    return dict(inputs=inputs, data_samples=samples)


class CellwiseBackbone(nn.Module):
    """A backbone without context: each 16 x 16 cell is pooled alone."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(3, 64, 1)

    def forward(self, x):
        return (self.proj(nn.functional.avg_pool2d(x, 16)), )


def test_gap_of_class_maps_equals_linear_on_gap():
    model = build()
    feat = torch.randn(3, 64, 7, 9)
    logits = model.head((feat, ))
    weight = model.head.classifier.weight[:, :, 0, 0]  # (C, D)
    reference = feat.mean((2, 3)) @ weight.t()
    assert (logits - reference).abs().max().item() < 1e-5
    assert model.head.classifier.bias is None


def test_predict_attaches_normalised_cams():
    model = build().eval()
    data = model.data_preprocessor(batch(), False)
    with torch.no_grad():
        samples = model(**data, mode='predict')
        maps = model.head.class_maps(model.extract_feat(data['inputs']))
    cam = samples[0].cam
    assert cam.shape == (C, 4, 4)
    assert cam.min() >= 0
    # Peak m / (m + 1e-5) of the largest positive response m, else 0.
    m = maps[0].clamp(min=0).flatten(1).amax(1)
    torch.testing.assert_close(cam.flatten(1).amax(1), m / (m + 1e-5))
    assert torch.equal(samples[0].pred_score, maps[0].mean((1, 2)).sigmoid())


@pytest.mark.parametrize('variant, terms', [
    (dict(aux='none'), {'loss_cls'}),
    (dict(tiling='grid', tile_weight=0.), {'loss_cls', 'loss_pcls',
                                            'loss_re'}),
    (dict(tile_weight=0.), {'loss_cls', 'loss_pcls', 'loss_re'}),
    (dict(), {'loss_cls', 'loss_pcls', 'loss_re', 'loss_tile'}),
    (dict(aux='rotation', rotation_size=32), {'loss_cls', 'loss_rot'}),
])
def test_variants_give_their_terms_and_gradients(variant, terms):
    model = build(**variant)
    model.set_progress(90, 100)  # past warm-up and ramp
    data = model.data_preprocessor(batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == terms
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    assert model.head.classifier.weight.grad.abs().sum() > 0
    if variant.get('aux') == 'rotation':
        assert model.rotation_head.weight.grad is not None


def test_contextless_backbone_makes_tiles_reconstruct_exactly():
    for tiling in ('grid', 'object_aware'):
        model = build(tiling=tiling)
        model.backbone = CellwiseBackbone()
        model.set_progress(80, 100)
        data = model.data_preprocessor(batch(b=3, size=128), True)
        losses = model(**data, mode='loss')
        assert losses['loss_re'].item() == pytest.approx(0, abs=1e-6)
        assert losses['loss_pcls'].item() == pytest.approx(
            losses['loss_cls'].item(), rel=1e-5)


def test_alpha_ramp_and_warmup():
    model = build()
    expected = {0: 0., 25: 2., 50: 4., 99: 4.}
    for t, alpha in expected.items():
        model.set_progress(t, 100)
        assert model.re_alpha == pytest.approx(alpha)
    model.set_progress(19, 100)
    assert not model.locating
    model.set_progress(20, 100)
    assert model.locating


def test_warmup_finds_no_boxes_and_tiles_are_the_grid():
    model = build()
    model.set_progress(0, 100)
    maps = torch.rand(2, C, 8, 8)
    labels = torch.ones(2, C)
    boxes, _, valid, _ = model.object_locations(maps, labels)
    assert not valid.any()
    cut_x, cut_y = model._cuts(boxes, valid, 8, 8)
    assert cut_x.tolist() == cut_y.tolist() == [4, 4]


@pytest.mark.parametrize('variant', [
    dict(), dict(tiling='grid', tile_weight=0.),
    dict(aux='rotation', rotation_size=32)
])
def test_train_step_has_no_host_transfer(variant):
    model = build(**variant).to('meta')
    optim = build_optim_wrapper(
        model, dict(optimizer=dict(type='SGD', lr=0.1, momentum=1e-4,
                                   nesterov=True)))
    for t in (0, 60):  # warm-up, then object locations on
        model.set_progress(t, 100)
        data = batch(device='meta')
        guard = HostTransferGuard()
        with guard:
            log = model.train_step(data, optim)
        assert guard.transfers == [], t
        assert log['loss'].device.type == 'meta'


def test_wrong_stride_is_a_clear_error():
    model = build(backbone=dict(type='ResNet', depth=18, base_channels=8,
                               stem_channels=8, out_indices=(3,)))
    data = model.data_preprocessor(batch(), True)
    with pytest.raises(ValueError, match='stride 16'):
        model(**data, mode='loss')


def test_tile_canvas_by_size_equals_largest_without_context():
    # Off-centre cuts (TL narrow/short, wide/tall, ties): with a backbone
    # that sees each cell alone, batching the tiles by size rank on small
    # canvases must give the same tile maps, merge and losses as one
    # canvas of the largest tile.
    cuts = (torch.tensor([2, 6, 4]), torch.tensor([5, 2, 4]))
    losses = {}
    for canvas in ('by_size', 'largest'):
        torch.manual_seed(0)
        model = build(tile_canvas=canvas)
        model.backbone = CellwiseBackbone()
        model._cuts = lambda *args: cuts
        model.set_progress(80, 100)
        data = model.data_preprocessor(batch(b=3, size=128), True)
        losses[canvas] = model(**data, mode='loss')
    for key, value in losses['largest'].items():
        assert losses['by_size'][key].item() == pytest.approx(
            value.item(), rel=1e-6, abs=1e-7), key
    assert losses['by_size']['loss_re'].item() == pytest.approx(0, abs=1e-6)


def test_unknown_tile_canvas_is_a_clear_error():
    with pytest.raises(ValueError, match='tile_canvas'):
        build(tile_canvas='smallest')


def test_cut_margin_reaches_the_cuts():
    # One box over [2, 8) x [2, 8) of an 8 x 8 grid. Default candidates
    # 2..6: 2 is free of it. Margin 3/8, candidates 3..5: all slice it,
    # so the centre 4.
    boxes = torch.zeros(1, 1, 1, 4, dtype=torch.long)
    boxes[0, 0, 0] = torch.tensor([2, 2, 8, 8])
    valid = torch.ones(1, 1, 1, dtype=torch.bool)
    cut_x, cut_y = build()._cuts(boxes, valid, 8, 8)
    assert (cut_x.item(), cut_y.item()) == (2, 2)
    cut_x, cut_y = build(cut_margin=0.375)._cuts(boxes, valid, 8, 8)
    assert (cut_x.item(), cut_y.item()) == (4, 4)
    with pytest.raises(ValueError, match='cut margin'):
        build(cut_margin=0.)

"""MulConClassifier: two views, stage-one loading, a sync-free step."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper

from mmengine.registry import init_default_scope

from mulcon_fixtures import build_model, model_cfg, samples, views
from mmmlc.registry import MODELS
from mmmlc.testing import HostTransferGuard


def test_views_are_one_batch_with_repeated_labels():
    model = build_model().train()
    batch = views(3)
    data_samples = samples(3)
    torch.manual_seed(0)
    losses = model.loss(batch, data_samples)
    torch.manual_seed(0)
    expected = model.head.loss(
        model.extract_feat(torch.cat(batch)), data_samples * 2)
    assert set(losses) == {'loss_cls', 'loss_con'}
    for key in losses:
        torch.testing.assert_close(losses[key], expected[key])


def test_predict_on_one_view():
    model = build_model().eval()
    with torch.no_grad():
        out = model(views(2, num_views=1)[0], samples(2), mode='predict')
    assert out[0].pred_score.shape == (5, )


@pytest.fixture
def stage_one_checkpoint(tmp_path):
    stage_one = build_model(stage_two=False, seed=1)
    path = tmp_path / 'epoch_15.pth'
    # mmengine's layout; with the EMA hook `state_dict` holds the EMA.
    torch.save(dict(meta=dict(epoch=15), state_dict=stage_one.state_dict()),
               path)
    return str(path), stage_one


def test_stage_two_starts_from_stage_one(stage_one_checkpoint):
    path, stage_one = stage_one_checkpoint
    model = build_model(stage_one_checkpoint=path)
    projector = model.head.projector[0].weight.clone()
    model.init_weights()
    for key, value in stage_one.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    assert torch.equal(model.head.projector[0].weight, projector)


def test_missing_stage_one_checkpoint_is_an_error(tmp_path):
    path = str(tmp_path / 'nope.pth')
    model = build_model(stage_one_checkpoint=path)
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        model.init_weights()


@pytest.mark.parametrize('change, message', [
    (dict(head=dict(num_classes=4)), r'head.weight \(5, 32\) vs \(4, 32\)'),
    (dict(backbone=dict(depth=34)), 'unexpected keys'),
])
def test_wrong_architecture_is_an_error(stage_one_checkpoint, change,
                                        message):
    path, _ = stage_one_checkpoint
    cfg = model_cfg()
    for part, update in change.items():
        cfg[part].update(update)
    if 'head' in change:
        cfg['neck']['num_classes'] = 4
    init_default_scope('mmmlc')
    model = MODELS.build(cfg)
    model.stage_one_checkpoint = path
    with pytest.raises(ValueError, match=message):
        model.init_weights()


def test_stage_two_step_has_no_host_transfer():
    model = build_model().to('meta')
    optim = build_optim_wrapper(
        model,
        dict(
            optimizer=dict(
                type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)))
    data = dict(
        inputs=[v.to(torch.uint8) for v in views(2, device='meta')],
        data_samples=samples(2, device='meta'))
    guard = HostTransferGuard()
    with guard:
        log = model.train_step(data, optim)
    assert guard.transfers == []
    assert set(log) == {'loss', 'loss_cls', 'loss_con'}
    assert log['loss'].device.type == 'meta'

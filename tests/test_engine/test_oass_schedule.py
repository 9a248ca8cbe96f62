"""OASS stage-1 optimisation (docs/reference/oass.md, fidelity 12) and the
split-hygiene check (fidelity 13)."""
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.engine.hooks import check_disjoint_splits
from mmmlc.engine.optimizers import PuzzleCAMPolyLR
from mmmlc.registry import MODELS

CONFIG = 'configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py'


@pytest.fixture(scope='module')
def model_and_optim():
    init_default_scope('mmmlc')
    cfg = Config.fromfile(CONFIG)
    model = MODELS.build(cfg.model)
    return model, build_optim_wrapper(model, cfg.optim_wrapper)


def _group_of(optim, param):
    return next(g for g in optim.optimizer.param_groups
                if any(p is param for p in g['params']))


def test_quirk_momentum_and_nesterov(model_and_optim):
    _, optim = model_and_optim
    for group in optim.optimizer.param_groups:
        assert group['momentum'] == 1e-4 and group['nesterov']


@pytest.mark.parametrize('name, lr, decay', [
    ('backbone.conv1.weight', 0.1, 1e-4),          # x1
    ('backbone.bn1.weight', 0.1, 1e-4),            # BN gamma: x1, decayed
    ('backbone.bn1.bias', 0.2, 0.),                # BN beta: x2, no decay
    ('backbone.layer4.1.bn2.bias', 0.2, 0.),
    ('head.classifier.weight', 1.0, 1e-4),         # x10
])
def test_lr_multipliers_and_no_decay_on_biases(model_and_optim, name, lr,
                                               decay):
    model, optim = model_and_optim
    group = _group_of(optim, dict(model.named_parameters())[name])
    assert group['lr'] == pytest.approx(lr)
    assert group['weight_decay'] == pytest.approx(decay)


def test_every_bias_is_undecayed(model_and_optim):
    model, optim = model_and_optim
    for name, param in model.named_parameters():
        if name.endswith('bias'):
            assert _group_of(optim, param)['weight_decay'] == 0, name
    assert model.head.classifier.bias is None  # the x20 group stays empty


def test_poly_lr_per_iteration():
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(4)]
    optim = torch.optim.SGD([
        dict(params=[p], lr=0.1 * m) for p, m in zip(params, (1, 2, 10, 20))
    ], lr=0.1)
    epochs, per_epoch = 3, 7
    scheduler = PuzzleCAMPolyLR.build_iter_from_epoch(
        optim, power=0.9, eta_min=0, begin=0, end=epochs,
        epoch_length=per_epoch)
    total = epochs * per_epoch
    for t in range(total):
        for group, mult in zip(optim.param_groups, (1, 2, 10, 20)):
            expected = 0.1 * mult * (1 - t / total)**0.9
            assert group['lr'] == pytest.approx(expected, rel=1e-6, abs=1e-9)
        optim.step()
        scheduler.step()


def test_disjoint_splits_pass():
    check_disjoint_splits(['a', 'b'], ['c'], 'train.txt', 'val.txt')


def test_train_aug_with_classification_val_fails_naming_both_files():
    with pytest.raises(ValueError) as err:
        check_disjoint_splits(
            ['2007_000032', '2008_000002'], ['2008_000002', '2008_000003'],
            'VOC2012/ImageSets/Segmentation/train_aug.txt',
            'VOC2012/ImageSets/Main/val.txt')
    message = str(err.value)
    assert 'train_aug.txt' in message and 'Main/val.txt' in message
    assert '1 images' in message and 'Segmentation/val.txt' in message


class _Dataset:

    def __init__(self, ids, ann_file):
        self.ids, self.ann_file = ids, ann_file

    def full_init(self):
        pass

    def __len__(self):
        return len(self.ids)

    def get_data_info(self, i):
        return dict(img_path=f'JPEGImages/{self.ids[i]}.jpg')


def test_hook_stops_a_leaking_run_before_training():
    from types import SimpleNamespace

    from mmmlc.engine.hooks import SplitHygieneHook

    def runner(val_ids):
        return SimpleNamespace(
            _val_loop=dict(),
            train_dataloader=SimpleNamespace(
                dataset=_Dataset(['a', 'b'], 'Segmentation/train_aug.txt')),
            val_dataloader=SimpleNamespace(
                dataset=_Dataset(val_ids, 'Main/val.txt')))

    SplitHygieneHook().before_train(runner(['c']))
    with pytest.raises(ValueError, match='train_aug.txt'):
        SplitHygieneHook().before_train(runner(['b', 'c']))

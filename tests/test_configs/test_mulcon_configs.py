"""configs/mulcon: the recipe's values, pinned (the generic config test
builds every config and trains the DigitScenes ones).

Numbers: Dao et al., Neurocomputing 2023, and the released recipe as
docs/reference/mulcon.md (Stage one, Stage two, Fidelity vectors) lists
it.
"""
import glob
import math
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config

import mmmlc  # noqa: F401
from mmmlc.registry import PARAM_SCHEDULERS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs', 'mulcon')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
FULL = [p for p in CONFIGS if 'resnet101' in p]
NAME = re.compile(r'mulcon-stage(?P<stage>[12])_(?P<backbone>resnet\d+)_'
                  r'(?P<gpus>\d+)xb(?P<batch>\d+)(?P<views>-2view)?-'
                  r'(?P<schedule>coslr|steplr)-(?P<epochs>\d+)e_'
                  r'(?P<data>[a-z0-9-]+)-(?P<res>\d+)px\.py')
CLASSES = {'coco14': 80, 'coco14-mlgcn': 80, 'voc07': 20, 'nuswide': 81,
           'digitscenes': 10}
COCO_TRAIN_IMAGES = 82_081
# Stage-one lr multipliers at the start of epochs 1..25 (released recipe).
LR_TABLE = {1: 0.1000, 2: 0.2609, 3: 0.4218, 4: 0.5828, 5: 0.7437,
            6: 0.9045, 8: 0.8824, 10: 0.8182, 12: 0.7181, 15: 0.5230,
            18: 0.3125, 20: 0.1864, 22: 0.0864, 25: 0.0056}


def _name(path):
    match = NAME.fullmatch(osp.basename(path))
    assert match, f'config name grammar: {osp.basename(path)}'
    return match


def _ema(cfg):
    hooks = [h for h in cfg.custom_hooks if h['type'] == 'EMAHook']
    assert len(hooks) == 1
    return hooks[0]


def test_configs_found():
    names = {osp.basename(p) for p in CONFIGS}
    for data in ('coco14-mlgcn-448px', 'coco14-mlgcn-576px', 'coco14-448px',
                 'voc07-448px', 'nuswide-448px'):
        assert (f'mulcon-stage1_resnet101_2xb16-coslr-25e_{data}.py'
                in names)
        assert (f'mulcon-stage2_resnet101_2xb12-2view-steplr-15e_{data}.py'
                in names)
    assert len(names) == 12


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_names_and_shared_values(path):
    match = _name(path)
    cfg = Config.fromfile(path)
    classes = CLASSES[match['data']]
    assert cfg.model.type == 'MulConClassifier'
    assert cfg.model.neck.num_classes == classes
    assert cfg.model.head.num_classes == classes
    assert cfg.train_cfg.max_epochs == int(match['epochs'])
    assert cfg.train_dataloader.batch_size == int(match['batch'])
    assert cfg.model.backbone.norm_eval is False
    assert cfg.model.backbone.frozen_stages == -1
    ema = _ema(cfg)
    assert ema['ema_type'] == 'FusedExponentialMovingAverage'
    assert ema['update_buffers'] is True
    stage_two = match['stage'] == '2'
    assert bool(match['views']) == stage_two
    pipeline = cfg.train_dataloader.dataset.pipeline
    if stage_two:
        views = [t for t in pipeline if t['type'] == 'MultiView']
        assert views and views[0]['num_views'] == 2
        assert cfg.train_dataloader.collate_fn.type == 'default_collate'
        assert cfg.model.data_preprocessor.type == 'MultiViewDataPreprocessor'
        loss = cfg.model.head.contrastive_loss
        assert (loss.temperature, loss.base_temperature,
                loss.loss_weight) == (0.2, 0.2, 0.5)
        assert loss.gather is True
        # The stage-one config it starts from exists and saves that file.
        ckpt = cfg.model.stage_one_checkpoint
        stage_one = osp.join(CONFIG_DIR, ckpt.split('/')[1] + '.py')
        assert osp.isfile(stage_one), ckpt
        one = Config.fromfile(stage_one)
        epoch = int(re.fullmatch(r'epoch_(\d+)\.pth',
                                 osp.basename(ckpt))[1])
        assert epoch <= one.train_cfg.max_epochs
        hook = one.default_hooks.checkpoint
        assert epoch % hook.interval == 0
        assert (hook.max_keep_ckpts == -1
                or epoch == one.train_cfg.max_epochs)
        for key in ('backbone', 'neck'):
            for arg, value in one.model[key].items():
                if arg != 'init_cfg':
                    assert cfg.model[key][arg] == value, (key, arg)
    else:
        crops = [t for t in pipeline if t['type'] == 'RandomResizedCrop']
        assert crops[0]['crop_ratio_range'] == (0.875, 1.0)
        assert cfg.model.head.get('contrastive_loss') is None


@pytest.mark.parametrize('path', FULL, ids=osp.basename)
def test_paper_recipe(path):
    match = _name(path)
    cfg = Config.fromfile(path)
    res = int(match['res'])
    total = int(match['gpus']) * int(match['batch'])
    test_resize = [
        t for t in cfg.test_dataloader.dataset.pipeline
        if t['type'] == 'Resize'
    ]
    assert test_resize[0]['scale'] == (res, res)
    assert cfg.model.backbone.depth == 101
    assert cfg.model.neck.embed_dims == 1024
    assert cfg.model.neck.num_heads == 4
    assert cfg.model.neck.num_token_blocks == 2
    assert _ema(cfg)['momentum'] == pytest.approx(1 - 0.9997)
    assert cfg.train_dataloader.drop_last is True
    optim = cfg.optim_wrapper.optimizer
    keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
    assert optim.weight_decay == 1e-4
    augment = [
        t['type'] for t in (cfg.train_dataloader.dataset.pipeline[1].get(
            'transforms', [None])[0] or cfg.train_dataloader.dataset.pipeline)
    ]
    assert 'RandAugment' in augment and 'RandomFlip' in augment
    iters = COCO_TRAIN_IMAGES // total
    if match['stage'] == '1':
        assert total == 32 and iters == 2565
        assert cfg.train_cfg.max_epochs * iters == 64_125  # EMA updates
        assert (optim.type, optim.lr, optim.betas) == ('AdamW', 2e-4,
                                                       (0.9, 0.999))
        assert keys == {'backbone': dict(lr_mult=0.1)}
        assert cfg.default_hooks.checkpoint.interval == 5
    else:
        assert total == 24 and iters == 3420
        assert cfg.train_cfg.max_epochs * iters == 51_300
        assert (optim.type, optim.lr, optim.momentum) == ('SGD', 0.01, 0.9)
        assert keys == {
            'backbone': dict(lr_mult=0.1),
            'neck': dict(lr_mult=0.1)
        }
        assert cfg.model.stage_one_checkpoint.endswith('/epoch_15.pth')
        assert cfg.model.head.proj_channels == (1024, 128)
        assert cfg.param_scheduler[0].step_size == 20
        resize = cfg.train_dataloader.dataset.pipeline[1]['transforms'][0][0]
        assert resize['type'] == 'Resize' and resize['scale'] == (res, res)


def _simulate(cfg, epoch_length, iter_epochs=None):
    """Learning rates as mmengine's Runner steps them.

    Every iteration of the first ``iter_epochs`` epochs (all by default),
    then only each epoch's first (the iteration-based schedulers have
    ended by then).
    """
    param = torch.nn.Parameter(torch.zeros(1))
    base = cfg.optim_wrapper.optimizer.lr
    optimizer = torch.optim.SGD([param], lr=base)
    schedulers = [
        PARAM_SCHEDULERS.build(
            dict(s), default_args=dict(
                optimizer=optimizer, epoch_length=epoch_length))
        for s in cfg.param_scheduler
    ]
    lrs = []
    for index in range(cfg.train_cfg.max_epochs):
        epoch = []
        full = iter_epochs is None or index < iter_epochs
        for _ in range(epoch_length if full else 1):
            epoch.append(optimizer.param_groups[0]['lr'] / base)
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
        for s in schedulers:
            if s.by_epoch:
                s.step()
        lrs.append(epoch)
    return lrs


def test_stage_one_schedule_matches_the_released_curve():
    cfg = Config.fromfile(osp.join(
        CONFIG_DIR, 'mulcon-stage1_resnet101_2xb16-coslr-25e_'
        'coco14-mlgcn-448px.py'))
    target = 1e-3 + 0.999 * (1 + math.cos(math.pi * 5 / 25)) / 2
    assert target == pytest.approx(0.904604, abs=1e-6)
    assert cfg.param_scheduler[0].end_factor == pytest.approx(target,
                                                              abs=1e-6)
    lrs = _simulate(cfg, 2565, iter_epochs=6)
    # mmengine's LinearLR ends on its target one iteration before the
    # released warm-up does (0.904604 vs 0.904541): within 7e-5 everywhere,
    # plus 5e-5 for the table's rounding.
    for epoch, value in LR_TABLE.items():
        assert lrs[epoch - 1][0] == pytest.approx(value, abs=1.2e-4), epoch
    released = [0.1 + 0.804604 * k / 12825 for k in range(0, 12825, 641)]
    ours = [lrs[k // 2565][k % 2565] for k in range(0, 12825, 641)]
    assert ours == pytest.approx(released, abs=7e-5)
    assert lrs[4][-1] == pytest.approx(0.904604, abs=1e-6)
    # Constant within a cosine epoch.
    assert lrs[5][0] == lrs[5][-1] == pytest.approx(0.904604, abs=1e-6)
    assert cfg.param_scheduler[0].end == cfg.param_scheduler[1].begin == 5


def test_stage_two_lr_is_constant_for_15_epochs():
    cfg = Config.fromfile(osp.join(
        CONFIG_DIR, 'mulcon-stage2_resnet101_2xb12-2view-steplr-15e_'
        'coco14-mlgcn-448px.py'))
    lrs = _simulate(cfg, 4)
    assert {v for epoch in lrs for v in epoch} == {1.0}
    cfg.train_cfg.max_epochs = 21
    assert _simulate(cfg, 1)[20][0] == pytest.approx(0.1)


def test_metafile_lists_every_config_with_the_paper_numbers():
    import yaml
    with open(osp.join(CONFIG_DIR, 'metafile.yml')) as f:
        meta = yaml.safe_load(f)
    listed = {m['Config'] for m in meta['Models']}
    assert listed == {
        'configs/mulcon/' + osp.basename(p) for p in CONFIGS
    }
    maps = {
        m['Name'].split('_')[-1]: m['Results'][0]['Metrics']['mAP']
        for m in meta['Models'] if 'Results' in m
    }
    assert maps == {'coco14-mlgcn-448px': 84.9, 'coco14-mlgcn-576px': 86.3}

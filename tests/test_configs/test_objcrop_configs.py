"""configs/objcrop: the recipe values each config pins; pretrain -> probe.

That every config builds, and that the DigitScenes ones train a step, is
tests/test_configs/test_all_configs.py's. Here: the paper's values in every
config, and a DigitScenes run through mmengine's Runner on a tiny build
(3 iterations of 4 images, no workers) whose object-object checkpoint the
linear probe loads, keeps frozen and trains its head on.
"""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmmlc  # noqa: F401
from mmmlc.registry import MODELS
from mmmlc.utils.benchmark import TrainStepBenchmark

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs', 'objcrop')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
DS_OBJOBJ = 'mocov2-objobj-dilate0.2_resnet18_1xb64-coslr-10e_digitscenes-64px.py'
DS_PROBE = 'linear-probe_resnet18_1xb64-steplr-10e_digitscenes-64px.py'
SIZES = dict(num_train=12, num_val=4, num_test=4)
BATCH = 4


def _train_pipeline(cfg):
    dataset = cfg.train_dataloader.dataset
    while 'pipeline' not in dataset:
        dataset = dataset.dataset
    return dataset.pipeline


def _views(cfg):
    """The view pipelines of the MultiView step."""
    return [t for t in _train_pipeline(cfg)
            if t['type'] == 'MultiView'][0]['transforms']


def _check_pretraining(cfg, name):
    assert cfg.model.type == 'MoCoV2'
    assert cfg.model.head.temperature == 0.2
    assert cfg.train_dataloader.drop_last
    batch = cfg.train_dataloader.batch_size
    assert cfg.model.queue_len % batch == 0
    assert cfg.optim_wrapper.optimizer.momentum == 0.9
    assert cfg.optim_wrapper.optimizer.weight_decay == 1e-4
    # Cosine over train_cfg.max_epochs (end and T_max left to the Runner).
    scheduler = cfg.param_scheduler[0]
    assert scheduler['type'] == 'CosineAnnealingLR'
    assert 'end' not in scheduler and 'T_max' not in scheduler
    if 'resnet50' in name:  # the paper's recipe
        assert (cfg.model.queue_len, cfg.model.momentum) == (65536, 0.001)
        assert cfg.optim_wrapper.optimizer.lr == 0.015 and batch == 128
        assert cfg.train_cfg.max_epochs == 200
    else:  # DigitScenes: the same steps for every crop strategy
        assert (batch, cfg.train_cfg.max_epochs) == (64, 10)
    steps = [t['type'] for t in _train_pipeline(cfg)]
    if 'objobj' in name:
        crops = [view[0] for view in _views(cfg)]
        assert [c['dilation'] for c in crops] == [0.0, 0.2]
        faithful = 'faithful' in name
        assert all(c['faithful'] == faithful for c in crops)
        ratio = _views(cfg)[0][1]['crop_ratio_range']
        assert ratio == ((0.0, 1.0) if faithful else (0.2, 1.0))
        assert 'RandomViewSwap' in steps
    elif 'separated' in name:
        assert [view[0] for view in _views(cfg)] == [
            dict(type='ViewBoxCrop', index=0),
            dict(type='ViewBoxCrop', index=1)
        ]
        assert all(view[1]['type'] == 'Resize' for view in _views(cfg))
        assert 'RandomSeparatedCrops' in steps
        assert 'RandomViewSwap' not in steps  # the reference never swaps
    else:
        assert steps[1] == 'MultiView' and _views(cfg)[0][0]['scale'] in (
            64, 224)
    per_object = 'perobject' in name or 'faithful' in name
    assert (cfg.train_dataloader.dataset.type ==
            'ObjectInstanceDataset') == per_object


def _check_probe(cfg, name):
    head = cfg.model.head
    # BCE averaged over batch x classes, as the reference.
    assert head.loss.loss_weight * head.num_classes == pytest.approx(1)
    assert cfg.model.data_preprocessor.num_classes == head.num_classes
    assert cfg.model.backbone.frozen_stages == 4
    assert cfg.model.backbone.norm_eval
    if 'randinit' in name:  # the random-init floor loads nothing
        assert cfg.custom_hooks == []
        assert all(init['type'] != 'Pretrained'
                   for init in cfg.model.backbone.init_cfg)
    else:
        assert cfg.model.backbone.init_cfg.prefix == 'backbone.'
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert cfg.optim_wrapper.optimizer.weight_decay == 0
    metrics = [m['type'] for m in cfg.val_evaluator]
    assert metrics == ['MLCMetric', 'BatchMeanAP']
    if 'resnet50' in name:
        assert cfg.optim_wrapper.optimizer.lr == 30
        assert cfg.train_cfg.max_epochs == 100
        assert cfg.param_scheduler[0]['milestones'] == [60, 80]
        assert cfg.train_dataloader.batch_size * 8 == 256


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_pins_the_recipe(path):
    name = osp.basename(path)
    cfg = Config.fromfile(path)
    if name.startswith('mocov2'):
        _check_pretraining(cfg, name)
    else:
        _check_probe(cfg, name)


def test_every_crop_strategy_has_its_configs():
    names = [osp.basename(p) for p in CONFIGS]
    for strategy in ('scene', 'objobj-dilate0.2', 'separated'):
        for suffix in ('resnet50_1xb128-coslr-200e_ohms-224px.py',
                       'resnet18_1xb64-coslr-10e_digitscenes-64px.py'):
            assert f'mocov2-{strategy}_{suffix}' in names
    assert DS_PROBE in names


def test_benchmark_runs_the_objobj_config():
    # What the README's benchmark command runs, on the CPU with batch 2.
    path = osp.join(CONFIG_DIR,
                    'mocov2-objobj-dilate0.2_resnet50_1xb128-coslr-200e_'
                    'ohms-224px.py')
    bench = TrainStepBenchmark(
        Config.fromfile(path), 'objobj', device='cpu', batch_size=2,
        input_shape=(300, 400))
    assert [tuple(v.shape) for v in bench.batch['inputs']] == [
        (2, 3, 224, 224)
    ] * 2
    result = bench.run(warmup=0, iters=1)
    assert result.img_per_s > 0
    assert bench.model.queue_ptr.tolist() == [2]


# ------------------------------------------------------ smoke runs (Runner)
def _tiny_cfg(name, work_dir, data_root):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.update(
        batch_size=BATCH, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.update(data_root=data_root, **SIZES)
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'] = None
        cfg[f'{split}_cfg'] = None
        cfg[f'{split}_evaluator'] = None
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None)
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    """Run the DigitScenes object-object config for 3 iterations."""
    root = tmp_path_factory.mktemp('objcrop')
    data_root = str(root / 'digit_scenes')
    cfg = _tiny_cfg(DS_OBJOBJ, root / 'pretrain', data_root)
    cfg.model.queue_len = 8  # a multiple of the batch of 4
    Runner.from_cfg(cfg).train()
    return dict(data_root=data_root, root=root,
                checkpoint=str(root / 'pretrain' / 'epoch_1.pth'))


def test_pretraining_checkpoint(pretrained):
    state = torch.load(pretrained['checkpoint'],
                       map_location='cpu')['state_dict']
    # 3 steps of 4 keys in a queue of 8: the pointer wrapped to 4.
    assert state['queue_ptr'].tolist() == [4]
    assert state['encoder_k.steps'].item() == 3
    assert any(k.startswith('backbone.layer4.') for k in state)
    assert any(k.startswith('neck.mlp.') for k in state)


class _RecordHook(Hook):
    """Keeps copies of the probe's weights when training starts."""

    def before_train(self, runner):
        self.backbone = {
            k: v.clone()
            for k, v in runner.model.backbone.state_dict().items()
        }
        self.head = runner.model.head.fc.weight.detach().clone()


def test_linear_probe_loads_frozen_pretrained_backbone(pretrained):
    checkpoint = pretrained['checkpoint']
    cfg = _tiny_cfg(DS_PROBE, pretrained['root'] / 'probe',
                    pretrained['data_root'])
    cfg.model.backbone.init_cfg.checkpoint = checkpoint
    runner = Runner.from_cfg(cfg)
    record = _RecordHook()
    runner.register_hook(record)
    runner.train()

    state = torch.load(checkpoint, map_location='cpu')['state_dict']
    expected = {
        k[len('backbone.'):]: v
        for k, v in state.items() if k.startswith('backbone.')
    }
    after = runner.model.backbone.state_dict()
    assert set(after) == set(expected) == set(record.backbone)
    for key, value in expected.items():
        # Loaded, then unchanged by 3 steps (BN statistics included).
        assert torch.equal(record.backbone[key], value), key
        assert torch.equal(after[key], value), key
    assert not torch.equal(runner.model.head.fc.weight, record.head)

    # tools/test.py: the probe's own checkpoint; the pretraining one is
    # neither needed nor checked any more.
    cfg = Config.fromfile(osp.join(CONFIG_DIR, DS_PROBE))
    cfg.work_dir = str(pretrained['root'] / 'probe_test')
    cfg.model.backbone.init_cfg.checkpoint = 'moved_away.pth'
    cfg.load_from = str(pretrained['root'] / 'probe' / 'epoch_1.pth')
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.test_dataloader.dataset.update(
        data_root=pretrained['data_root'], **SIZES)
    cfg.log_level = 'WARNING'
    metrics = Runner.from_cfg(cfg).test()
    per_class = ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')
    assert set(metrics) == {
        'multi-label/mAP', 'multi-label/ref-batch-mAP_B256',
        *(f'multi-label/{m}{k}' for m in per_class for k in ('', '_top3'))
    }


def test_linear_probe_refuses_missing_checkpoint(pretrained, tmp_path):
    cfg = _tiny_cfg(DS_PROBE, tmp_path / 'probe', pretrained['data_root'])
    cfg.model.backbone.init_cfg.checkpoint = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth does not exist'):
        Runner.from_cfg(cfg).train()

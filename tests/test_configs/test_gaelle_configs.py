"""configs/gaelle: the recipe values each config pins, how the configs
compose, and DigitScenes pretrain -> probe chained through the Runner.

That every config builds and every DigitScenes config trains a step is
tests/test_configs/test_all_configs.py. Here the runs go through mmengine's
Runner on a tiny DigitScenes build (3 iterations of 4 images, no workers):
GAELLE and plain SwAV write checkpoints (queue and loss terms checked), the
linear probe loads the GAELLE checkpoint's ``backbone.`` weights and keeps
them frozen. Bad input (queue length, crop numbers, a checkpoint without
``backbone.`` weights) is refused before the first optimizer step.
"""
import ast
import glob
import math
import os.path as osp
import runpy

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.optim.scheduler import CosineAnnealingLR
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmmlc  # noqa: F401
from mmmlc.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs', 'gaelle')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
COCO14 = 'gaelle_resnet50_2xb64-mcrop-coslr-400e_coco14-224px-96px.py'
DS_GAELLE = 'gaelle_resnet18_1xb64-mcrop-coslr-5e_digitscenes-64px-32px.py'
DS_SWAV = 'swav_resnet18_1xb64-mcrop-coslr-5e_digitscenes-64px-32px.py'
DS_OBJLOCAL = ('gaelle-objlocal_resnet18_1xb64-mcrop-coslr-5e_'
               'digitscenes-64px-32px.py')
DS_EVAL = 'linear-probe_resnet18_1xb64-coslr-10e_digitscenes-64px.py'
DS_RANDINIT = ('linear-probe-randinit_resnet18_1xb64-coslr-10e_'
               'digitscenes-64px.py')
SIZES = dict(num_train=12, num_val=4, num_test=4)
BATCH = 4


def _load(name):
    return Config.fromfile(osp.join(CONFIG_DIR, name))


def _multiview(cfg):
    return [t for t in cfg.train_dataloader.dataset.pipeline
            if t['type'] == 'MultiView'][0]


def test_configs_found():
    names = {osp.basename(p) for p in CONFIGS}
    assert names == {
        COCO14,
        'gaelle_resnet50_2xb64-mcrop-coslr-400e_coco17-224px-96px.py',
        'swav_resnet50_2xb64-mcrop-coslr-400e_coco14-224px-96px.py',
        'gaelle-objlocal_resnet50_2xb64-mcrop-coslr-400e_coco14-224px-96px'
        '.py',
        'linear-probe_resnet50_1xb128-coslr-100e_coco14-224px.py',
        'linear-probe_resnet50_1xb32-coslr-100e_voc07-224px.py',
        DS_GAELLE, DS_SWAV, DS_OBJLOCAL, DS_EVAL, DS_RANDINIT,
        # object-local crops on OASS CAM boxes (test_cambox_configs.py)
        DS_OBJLOCAL.replace('objlocal_', 'objlocal-cambox_')
    }


def _dataset_tag(name):
    return osp.splitext(name)[0].rsplit('_', 1)[1].split('-')[0]


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_composes_bases_not_other_leaves(path):
    """A leaf's `_base_` is in configs/_base_/, or a leaf of this folder
    with the same method (pretraining or probe) and dataset."""
    tree = ast.parse(open(path).read())
    bases = [node.value for node in tree.body
             if isinstance(node, ast.Assign)
             and node.targets[0].id == '_base_'][0]
    name = osp.basename(path)
    for base in ast.literal_eval(bases):
        if base.startswith('../_base_/'):
            continue
        assert base.startswith('./'), base
        parent = base[2:]
        assert _dataset_tag(parent) == _dataset_tag(name), (name, parent)
        assert (parent.startswith('linear-probe')
                == name.startswith('linear-probe')), (name, parent)
        assert name.split('_')[0].startswith(parent.split('_')[0])


def test_delete_only_where_the_dataset_type_changes():
    # COCO boxes need COCODataset in place of the flat image list; the
    # config says why mmengine needs `_delete_` there.
    users = {osp.basename(p) for p in CONFIGS if '_delete_' in open(p).read()}
    assert users == {
        'gaelle-objlocal_resnet50_2xb64-mcrop-coslr-400e_coco14-224px-96px'
        '.py'
    }


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_pins_the_recipe(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    name = osp.basename(path)
    # SwAV's normalisation, std[0] = 0.228 (x 255 = 58.14).
    assert cfg.model.data_preprocessor.std == [58.14, 57.12, 57.375]
    assert cfg.model.data_preprocessor.mean == [123.675, 116.28, 103.53]
    if name.startswith(('gaelle', 'swav')):
        _check_pretrain(cfg, model, name)
    else:
        _check_linear_eval(cfg, model, name)


def _check_pretrain(cfg, model, name):
    assert type(model).__name__ == 'GAELLE'
    head = cfg.model.head
    assert _multiview(cfg).num_views == head.num_crops == [2, 6]
    assert head.crops_for_assign == [0, 1]
    # No fewer prototypes than dimensions (else a zero-gradient ln K point).
    assert head.num_prototypes >= head.feat_dim
    assert head.num_local_prototypes >= head.local_feat_dim
    assert (head.temperature, head.epsilon, head.sinkhorn_iterations) == (
        0.1, 0.05, 3)
    optimizer = cfg.optim_wrapper.optimizer
    assert cfg.optim_wrapper.type == 'OptimWrapper'
    assert 'paramwise_cfg' not in cfg.optim_wrapper  # LARS on everything
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.weight_decay, optimizer.eta) == ('LARSForeach', 0.6,
                                                       0.9, 1e-6, 1e-3)
    (scheduler, ) = cfg.param_scheduler  # no warm-up
    assert scheduler.type == 'CosineAnnealingLR'
    assert scheduler.eta_min == 6e-4 and scheduler.convert_to_iter_based
    assert scheduler.T_max == cfg.train_cfg.max_epochs
    hooks = {h['type']: h for h in cfg.custom_hooks}
    assert set(hooks) == {'FeatureQueueHook', 'PrototypeFreezeHook'}
    assert cfg.find_unused_parameters
    assert cfg.train_dataloader.drop_last
    batch = cfg.train_dataloader.batch_size
    assert batch == 64
    is_swav = name.startswith('swav')
    assert hasattr(model.head, 'local_prototypes') != is_swav
    assert hasattr(model.neck, 'local_projection_head') != is_swav
    if is_swav:
        assert (head.global_weight, head.local_weight,
                head.l2g_weight) == (1.0, 0.0, 0.0)
    else:
        assert head.global_weight == head.local_weight == head.l2g_weight
        assert head.l2g_detach and head.shuffle_local
        assert cfg.model.neck.nmb_groups_heads == 4
    if 'resnet50' in name:
        # The reference's recipe (docs/reference/gaelle.md, "Training recipe").
        assert cfg.train_cfg.max_epochs == 400
        assert hooks['FeatureQueueHook']['queue_length'] == 3840
        assert hooks['FeatureQueueHook']['epoch_queue_starts'] == 7
        assert hooks['PrototypeFreezeHook']['frozen_iters'] == 5005
        assert 3840 % (batch * 2) == 0  # 2 GPUs x 64
        assert head.num_prototypes == head.num_local_prototypes == 3000
        assert cfg.model.backbone.norm_cfg.type == 'SyncBN'
        assert not cfg.model.backbone.zero_init_residual
        assert cfg.randomness.seed == 31
    else:
        queue = hooks['FeatureQueueHook']['queue_length']
        assert queue % batch == 0
    global_view, local_view = _multiview(cfg).transforms
    assert global_view[0]['crop_ratio_range'] == (0.14, 1.0)
    assert local_view[0]['crop_ratio_range'] == (0.05, 0.14)
    if 'objlocal' in name:
        assert local_view[0]['box_key'] == (
            'proposals' if 'cambox' in name else 'gt_bboxes')
    else:
        assert 'box_key' not in local_view[0]


def _check_linear_eval(cfg, model, name):
    assert type(model).__name__ == 'ImageClassifier'
    assert not any(p.requires_grad for p in model.backbone.parameters())
    assert cfg.model.backbone.norm_eval
    model.head.init_weights()
    # N(0, 0.01) weights, bias 0.1 (docs/reference/gaelle.md, "Linear probe").
    assert torch.all(model.head.fc.bias == 0.1)
    assert model.head.fc.weight.std().item() == pytest.approx(0.01, rel=0.3)
    assert cfg.model.head.loss.loss_weight == 1.0  # sum over classes / batch
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.momentum,
            optimizer.weight_decay) == ('SGD', 0.9, 1e-6)
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=10.0)
    (scheduler, ) = cfg.param_scheduler
    assert scheduler.type == 'CosineAnnealingLR' and scheduler.by_epoch
    assert 'convert_to_iter_based' not in scheduler  # per epoch
    assert (scheduler.T_max, scheduler.eta_min) == (cfg.train_cfg.max_epochs,
                                                    0.0)
    assert cfg.train_cfg.val_interval == 1
    assert cfg.val_evaluator == dict(type='MLCMetric')
    assert cfg.randomness.seed == 777
    expected = {
        'coco14': (128, 0.1, 100, 80),
        'voc07': (32, 0.03, 100, 20),
        'digitscenes': (64, 0.1, 10, 10),
    }
    dataset = [key for key in expected if key in name][0]
    batch, lr, epochs, classes = expected[dataset]
    assert cfg.train_dataloader.batch_size == batch
    assert optimizer.lr == lr and cfg.train_cfg.max_epochs == epochs
    assert cfg.model.head.num_classes == classes
    hooks = [h['type'] for h in cfg.custom_hooks]
    if 'randinit' in name:
        assert hooks == []
        assert cfg.model.backbone.init_cfg[0]['type'] == 'Kaiming'
    else:
        assert hooks == ['PretrainedCheckHook']
        assert cfg.model.backbone.init_cfg.prefix == 'backbone.'
    if dataset == 'coco14':
        # Every image; those without annotations are all-negative.
        assert not cfg.train_dataloader.dataset.drop_empty
        assert not cfg.val_dataloader.dataset.drop_empty
        assert cfg.val_dataloader.dataset.ann_file.endswith('val2014.json')
    if dataset == 'voc07':
        assert cfg.val_dataloader.dataset.ann_file.endswith('test.txt')
        assert cfg.test_dataloader.dataset.ann_file.endswith('test.txt')
        assert not cfg.val_dataloader.dataset.difficult_as_positive
        # Difficult-only classes leave the loss too (the reference's 255):
        # the head masks what the train pipeline packs.
        assert not cfg.train_dataloader.dataset.difficult_as_positive
        assert cfg.model.head.type == 'MaskedMultiLabelLinearClsHead'
        pack = cfg.train_dataloader.dataset.pipeline[-1]
        assert 'gt_label_difficult' in pack.meta_keys


def test_lr_schedule_is_the_reference_cosine_per_iteration():
    cfg = _load(COCO14)
    args = dict(cfg.param_scheduler[0])
    args.pop('type'), args.pop('convert_to_iter_based')
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=cfg.optim_wrapper.optimizer.lr)
    # 646 iterations per epoch on COCO 2014 with 2 x 64: T = 258,400.
    scheduler = CosineAnnealingLR.build_iter_from_epoch(
        optimizer, epoch_length=646, **args)
    assert scheduler.T_max == 258400
    # Stepping 258k times takes too long; 6 iterations per epoch give the
    # same curve: lr(t) = 6e-4 + (0.6 - 6e-4) (1 + cos(pi t / T)) / 2.
    optimizer = torch.optim.SGD([param], lr=0.6)
    scheduler = CosineAnnealingLR.build_iter_from_epoch(
        optimizer, epoch_length=6, **args)
    total = 6 * 400
    lrs = []
    for _ in range(total):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        scheduler.step()
    expected = [
        6e-4 + 0.5 * (0.6 - 6e-4) * (1 + math.cos(math.pi * t / total))
        for t in range(total)
    ]
    assert lrs[0] == 0.6
    assert lrs[total // 2] == pytest.approx(0.3003, abs=1e-9)
    assert lrs[-1] == pytest.approx(6e-4, abs=1e-6)
    for got, want in zip(lrs, expected):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)


# ------------------------------------------------------ smoke runs (Runner)
def _tiny_cfg(name, work_dir, data_root):
    cfg = _load(name)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.update(
        batch_size=BATCH, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.update(data_root=data_root, **SIZES)
    for split in ('val', 'test'):
        cfg[f'{split}_dataloader'] = None
        cfg[f'{split}_cfg'] = None
        cfg[f'{split}_evaluator'] = None
    cfg.train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1)
    cfg.param_scheduler[0].update(T_max=1, end=1)
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.update(interval=1, save_best=None)
    cfg.log_level = 'WARNING'
    return cfg


def _pretrain_cfg(name, work_dir, data_root, queue_length=8):
    cfg = _tiny_cfg(name, work_dir, data_root)
    # Queue from the start (2 batches of 4), prototypes frozen for the
    # first of the 3 iterations.
    cfg.custom_hooks = [
        dict(type='FeatureQueueHook', queue_length=queue_length,
             epoch_queue_starts=0),
        dict(type='PrototypeFreezeHook', frozen_iters=1),
    ]
    return cfg


class _LossRecorder(Hook):
    """Keeps the logged loss terms of every iteration."""

    def __init__(self):
        self.outputs = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.outputs.append(
            {k: float(v.detach()) for k, v in outputs.items()})


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    """Run the GAELLE and SwAV DigitScenes configs for 3 iterations."""
    root = tmp_path_factory.mktemp('gaelle')
    data_root = str(root / 'digit_scenes')
    checkpoints, losses = {}, {}
    for name in (DS_GAELLE, DS_SWAV):
        runner = Runner.from_cfg(_pretrain_cfg(name, root / name, data_root))
        recorder = _LossRecorder()
        runner.register_hook(recorder)
        runner.train()
        checkpoints[name] = str(root / name / 'epoch_1.pth')
        losses[name] = recorder.outputs
    return dict(data_root=data_root, root=root, checkpoints=checkpoints,
                losses=losses)


@pytest.mark.parametrize('name', [DS_GAELLE, DS_SWAV])
def test_pretrain_smoke_run(pretrained, name):
    state = torch.load(pretrained['checkpoints'][name],
                       map_location='cpu')['state_dict']
    # Queue of 8 rows per assignment crop, filled by the 3 batches of 4.
    queue = state['head.queue']
    assert queue.shape == (2, 8, 128)
    assert torch.allclose(queue.norm(dim=-1), torch.ones(2, 8))
    assert any(k.startswith('backbone.layer4.') for k in state)
    is_swav = name == DS_SWAV
    assert ('head.local_prototypes.weight' in state) != is_swav
    assert ('neck.local_projection_head.0.weight' in state) != is_swav
    num_prototypes = state['head.prototypes.weight'].shape[0]
    assert num_prototypes == 300
    outputs = pretrained['losses'][name]
    assert len(outputs) == 3
    terms = {'loss', 'glb'} if is_swav else {'loss', 'glb', 'alg', 'l2g'}
    for out in outputs:
        assert set(out) == terms
        # At initialisation every term is about ln K (K = 300 prototypes).
        for key in terms - {'loss'}:
            distance = abs(out[key] - math.log(num_prototypes))
            assert distance < 1.0, (key, out[key])


def test_object_local_pipeline_on_digit_scenes(pretrained):
    cfg = _tiny_cfg(DS_OBJLOCAL, pretrained['root'] / 'objlocal',
                    pretrained['data_root'])
    init_default_scope('mmmlc')
    dataset = Runner.build_dataloader(cfg.train_dataloader).dataset
    for index in range(len(dataset)):
        out = dataset[index]
        assert [tuple(v.shape) for v in out['inputs']] == [(3, 64, 64)] * 2 + [
            (3, 32, 32)
        ] * 6


class _RecordBackbone(Hook):
    """Keeps a copy of the backbone when training starts (after init)."""

    def before_train(self, runner):
        self.backbone = {
            k: v.clone()
            for k, v in runner.model.backbone.state_dict().items()
        }


class _RecordHook(_RecordBackbone):
    """Also keeps the probe's classifier weights."""

    def before_train(self, runner):
        super().before_train(runner)
        self.head = runner.model.head.fc.weight.detach().clone()


def test_linear_eval_loads_frozen_pretrained_backbone(pretrained):
    checkpoint = pretrained['checkpoints'][DS_GAELLE]
    cfg = _tiny_cfg(DS_EVAL, pretrained['root'] / 'eval',
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
    assert set(after) == set(expected)
    for key, value in expected.items():
        # Loaded, then unchanged by 3 steps (BN statistics included).
        assert torch.equal(record.backbone[key], value), key
        assert torch.equal(after[key], value), key
    assert not torch.equal(runner.model.head.fc.weight, record.head)


# ----------------------------------------------------------- bad input
def test_queue_length_not_a_multiple_of_the_batch(pretrained, tmp_path):
    cfg = _pretrain_cfg(DS_GAELLE, tmp_path / 'q', pretrained['data_root'],
                        queue_length=10)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match='queue_length=10 is not a multiple '
                       'of the global batch'):
        runner.train()
    assert runner.iter == 0


def test_crop_numbers_must_match_the_assignment_crops(pretrained, tmp_path):
    cfg = _pretrain_cfg(DS_GAELLE, tmp_path / 'crops',
                        pretrained['data_root'])
    _multiview(cfg).num_views = [2, 4]
    runner = Runner.from_cfg(cfg)
    record = _RecordBackbone()
    runner.register_hook(record)
    with pytest.raises(ValueError, match=r'resolution groups \[2, 4\].*'
                       r'num_crops=\[2, 6\]'):
        runner.train()
    assert runner.iter == 0
    # Refused before the backbone ran: weights and BN statistics unchanged.
    after = runner.model.backbone.state_dict()
    assert all(torch.equal(value, after[key])
               for key, value in record.backbone.items())

    # Assignment crops outside the crops: refused when the model is built.
    cfg = _pretrain_cfg(DS_GAELLE, tmp_path / 'assign',
                        pretrained['data_root'])
    cfg.model.head.crops_for_assign = [0, 8]
    with pytest.raises(ValueError, match=r'crops_for_assign=\[0, 8\]'):
        Runner.from_cfg(cfg)


def test_linear_eval_refuses_checkpoint_without_backbone(
        pretrained, tmp_path):
    bad = tmp_path / 'encoder_only.pth'
    torch.save({'state_dict': {'encoder.conv1.weight': torch.zeros(1)}}, bad)
    cfg = _tiny_cfg(DS_EVAL, tmp_path / 'eval', pretrained['data_root'])
    cfg.model.backbone.init_cfg.checkpoint = str(bad)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError,
                       match="encoder_only.pth has no key starting with "
                       "'backbone.'"):
        runner.train()
    assert runner.iter == 0


# ------------------------------------------------------------- benchmark
def test_benchmark_command_runs_on_cpu_at_batch_2(capsys):
    # The user guide's GPU benchmark command ("Speed") with
    # --device cpu --batch-size 2, no AMP / channels_last, and a queue of
    # one batch so that the timed step (after one warm-up) uses it.
    main = runpy.run_path(
        osp.join(REPO, 'tools', 'analysis_tools', 'benchmark.py'))['main']
    row = main([
        osp.join(CONFIG_DIR, COCO14), '--device', 'cpu', '--batch-size', '2',
        '--warmup', '1', '--iters', '1', '--start-epoch', '7',
        '--start-iter', '5005', '--input-shape', '240', '320',
        '--cfg-options', 'custom_hooks.0.queue_length=2'
    ])
    cells = [c.strip() for c in row.strip('|').split('|')]
    assert cells[0] == osp.splitext(COCO14)[0]
    assert cells[1:4] == ['cpu', '2', 'fp32']
    assert float(cells[6]) > 0

"""Every file under ``configs/``: one parametrised test.

A fragment (a ``_base_`` file without a model, a train loader, an
optimizer and a loop) must load. A full config must load, build its model
(pretrained weights and label-embedding files replaced: nothing is
downloaded or read from ``data/``), name registered datasets and metrics,
and build every transform of its pipelines. A DigitScenes config then
trains one iteration through mmengine's Runner, with its own hooks,
optimizer, scheduler and a validation pass, on a tiny DigitScenes build:
the loss is finite and trainable weights move. A config that loads a
pretrained backbone (a linear probe) loads a checkpoint written here from
a freshly built backbone.

Every config outside ``_base_`` follows mmpretrain's name grammar, its
train batch is the name's, and it composes ``configs/_base_/`` files (or a
variant of its own method and dataset), never another dataset's leaf.

Each ``configs/<method>/metafile.yml`` is in mmpretrain's format: its
models name existing configs and report multi-label mAP.

The method test files (``test_<method>_configs.py``) check each recipe's
numbers; this one checks that every config, present and future, runs.
"""
import ast
import copy
import glob
import inspect
import math
import os.path as osp
import re

import numpy as np
import pytest
import torch
import yaml
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.datasets import build_digit_scenes
from mmmlc.datasets.transforms import save_proposals
from mmmlc.registry import DATASETS, METRICS, MODELS, TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '**', '*.py'),
                           recursive=True))
METAFILES = sorted(glob.glob(osp.join(CONFIG_DIR, '*', 'metafile.yml')))
LEAVES = [p for p in CONFIGS
          if not p.startswith(osp.join(CONFIG_DIR, '_base_') + osp.sep)]
FULL_KEYS = ('model', 'train_dataloader', 'optim_wrapper', 'train_cfg')
# One iteration: 4 train images in batches of 4 (a multiple of every
# config's queue length), 4 val images.
BATCH = 4
SIZES = dict(num_train=4, num_val=4, num_test=4)
# mmpretrain's grammar: {algorithm}_{backbone}_{N}xb{B}[-{extras}]-
# {schedule}_{dataset}-{res}px.py, the schedule ending in the epochs.
NAME = re.compile(
    r'(?P<algorithm>[a-z0-9][a-z0-9.-]*)_(?P<backbone>[a-z0-9-]+)_'
    r'(?P<gpus>\d+)xb(?P<batch>\d+)(?:-[a-z0-9.]+)*-\d+e_'
    r'(?P<dataset>[a-z0-9]+(?:-[a-z][a-z0-9]*)*)(?:-\d+px)+\.py')


def _name(path):
    return osp.relpath(path, CONFIG_DIR)


def _bases(path):
    """The files a config's ``_base_`` names, as absolute paths."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            bases = ast.literal_eval(node.value)
            bases = [bases] if isinstance(bases, str) else bases
            return [osp.normpath(osp.join(osp.dirname(path), b))
                    for b in bases]
    return []


def _is_full(cfg):
    return all(key in cfg for key in FULL_KEYS)


def _loaders(cfg):
    return [cfg[f'{split}_dataloader'] for split in ('train', 'val', 'test')
            if cfg.get(f'{split}_dataloader')]


def _digit_scenes(dataset):
    """The DigitScenesDataset dict in a dataset config (below any
    wrappers), or None."""
    while dataset is not None:
        if dataset.get('type') == 'DigitScenesDataset':
            return dataset
        dataset = dataset.get('dataset')
    return None


def _is_digit_scenes(cfg):
    return _digit_scenes(cfg.train_dataloader.dataset) is not None


def _walk(node):
    """Every dict inside a nested config (itself included)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _walk(value)


def _pretrained_modules(model_cfg):
    """Config dicts of the modules whose init_cfg loads a checkpoint."""
    found = []
    for node in _walk(model_cfg):
        init = node.get('init_cfg')
        if isinstance(init, dict) and init.get('type') in (
                'Pretrained', 'PretrainedInit'):
            found.append(node)
    return found


def _replace_files(model_cfg, tmp_path):
    """Point label-embedding files at random ones of the right shape."""
    for node in _walk(model_cfg):
        if node.get('embedding_file'):
            path = tmp_path / f'embedding_{node["num_classes"]}.npy'
            dim = node.get('embedding_dim') or inspect.signature(
                MODELS.get(node['type'])).parameters['embedding_dim'].default
            np.save(path, np.random.default_rng(0).normal(
                size=(node['num_classes'], dim)).astype(np.float32))
            node['embedding_file'] = str(path)


def _write_pretrained(model_cfg, tmp_path):
    """Give each Pretrained init_cfg a checkpoint of a fresh module, and a
    model that starts from an earlier stage's checkpoint (a ``*checkpoint``
    argument of the model, e.g. MulCon's ``stage_one_checkpoint``) one of
    a fresh model of the same config."""
    for key, value in list(model_cfg.items()):
        if key.endswith('checkpoint') and isinstance(value, str):
            model = MODELS.build(dict(model_cfg, **{key: None}))
            path = tmp_path / f'{key}.pth'
            torch.save(dict(state_dict=model.state_dict()), path)
            model_cfg[key] = str(path)
    for i, node in enumerate(_pretrained_modules(model_cfg)):
        init = node['init_cfg']
        module = MODELS.build(dict(node, init_cfg=None))
        prefix = init.get('prefix') or ''
        state = {prefix + k: v for k, v in module.state_dict().items()}
        path = tmp_path / f'pretrained_{i}.pth'
        torch.save(dict(state_dict=state), path)
        init['checkpoint'] = str(path)


def _check_pipelines(cfg, tmp_path):
    """Registered dataset and metric types; every transform builds."""
    for loader in _loaders(cfg):
        dataset = loader['dataset']
        while True:
            assert DATASETS.get(dataset['type']) is not None, dataset['type']
            if 'pipeline' in dataset or 'dataset' not in dataset:
                break
            dataset = dataset['dataset']
        for transform in copy.deepcopy(dataset.get('pipeline', [])):
            if transform['type'] == 'LoadProposals':
                # Its file is made offline from the data; an empty one of
                # the same format stands in.
                path = str(tmp_path / 'proposals.json')
                save_proposals(path, {}, generator='test')
                transform['proposal_file'] = path
            TRANSFORMS.build(transform)
    for key in ('val_evaluator', 'test_evaluator'):
        if cfg.get(key) and cfg.get(key.replace('evaluator', 'dataloader')):
            evaluators = cfg[key]
            if isinstance(evaluators, dict):
                evaluators = [evaluators]
            for metric in evaluators:
                assert METRICS.get(metric['type']) is not None, metric


class _Recorder(Hook):
    """Trainable weights before the first step, log variables after it."""

    def before_train(self, runner):
        self.before = {
            name: param.detach().clone()
            for name, param in runner.model.named_parameters()
            if param.requires_grad
        }
        self.outputs = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.outputs.append(
            {k: float(v.detach()) for k, v in outputs.items()})


def _format_once(monkeypatch):
    """Let the Runner format each config (yapf) once, not four times.

    mmengine formats the config for its log, its dump, the message hub
    and the visualizer, up to 2 s a time for the largest configs on a
    loaded CPU; the first call still checks that the config formats.
    """
    pretty_text = Config.pretty_text.fget
    formatted = {}

    def once(cfg):
        key = repr(cfg._cfg_dict)
        if key not in formatted:
            formatted[key] = pretty_text(cfg)
        return formatted[key]

    monkeypatch.setattr(Config, 'pretty_text', property(once))


def _write_csi_file(loader, work_dir):
    """A CSIDataset's labelled boxes: the wrapped images' ground-truth
    boxes stand in for the CAM boxes made offline (tools/oass/)."""
    dataset = loader['dataset']
    if dataset.get('type') != 'CSIDataset':
        return
    inner = DATASETS.build(dataset['dataset'])
    entries = {}
    for i in range(len(inner)):
        info = inner.get_data_info(i)
        entries[osp.basename(info['img_path'])] = dict(
            boxes=info['gt_bboxes'], labels=info['gt_bboxes_labels'],
            scores=np.ones(len(info['gt_bboxes'])))
    path = str(work_dir / 'csi_boxes.json')
    save_proposals(path, entries, classes=inner.metainfo['classes'])
    dataset['proposal_file'] = path


def _stand_in_proposals(cfg, work_dir, data_root):
    """Point a DigitScenes config's proposals file (CAM boxes, made
    offline) at a stand-in: one labelled box per image of the tiny tree."""
    names = sorted(osp.basename(p) for p in glob.glob(
        osp.join(data_root, 'JPEGImages', '*.jpg')))
    path = str(work_dir / 'proposals.npz')
    save_proposals(path, {
        name: dict(boxes=[[8., 8., 56., 56.]], scores=[1.], labels=[0])
        for name in names}, generator='test stand-in')
    for loader in _loaders(cfg):
        for node in _walk(loader['dataset']):
            if node.get('type') == 'LoadProposals':
                node.update(proposal_file=path, classes=None)


def _train_one_step(cfg, work_dir, data_root):
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    cfg.randomness = dict(seed=0)
    for loader in _loaders(cfg):
        loader.update(
            batch_size=BATCH, num_workers=0, persistent_workers=False)
        _digit_scenes(loader['dataset']).update(
            data_root=data_root, **SIZES)
    if 'max_iters' in cfg.train_cfg:
        cfg.train_cfg.update(max_iters=1, val_interval=1)
    else:
        cfg.train_cfg.update(max_epochs=1, val_interval=1)
    # Saving is tested end to end (tests/test_tools); here it costs time.
    cfg.default_hooks.checkpoint = None
    work_dir.mkdir()
    _stand_in_proposals(cfg, work_dir, data_root)
    _write_pretrained(cfg.model, work_dir)
    for loader in _loaders(cfg):
        _write_csi_file(loader, work_dir)
    runner = Runner.from_cfg(cfg)
    recorder = _Recorder()
    runner.register_hook(recorder, priority='LOWEST')
    runner.train()

    assert len(recorder.outputs) == 1
    outputs = recorder.outputs[0]
    assert 'loss' in outputs, outputs
    assert all(math.isfinite(v) for v in outputs.values()), outputs
    after = dict(runner.model.named_parameters())
    moved = [k for k, v in recorder.before.items()
             if not torch.equal(after[k].detach(), v)]
    assert moved, 'no trainable weight changed in one step'
    assert all(torch.isfinite(p).all() for p in after.values())
    if cfg.get('val_dataloader'):
        assert any(k.startswith('val/')
                   for k in runner.message_hub.log_scalars)


@pytest.fixture(scope='module')
def digit_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('all_configs') / 'digit_scenes')
    build_digit_scenes(root, seed=0, **SIZES)
    return root


def test_configs_found():
    full = [cfg for cfg in map(Config.fromfile, CONFIGS) if _is_full(cfg)]
    digits = [cfg for cfg in full if _is_digit_scenes(cfg)]
    assert len(CONFIGS) > len(full) >= 10
    assert len(digits) >= 5


@pytest.mark.parametrize('path', CONFIGS, ids=_name)
def test_config(path, tmp_path, request):
    cfg = Config.fromfile(path)
    if not _is_full(cfg):
        assert osp.sep + '_base_' + osp.sep in path, (
            f'{_name(path)} is not a full config ({", ".join(FULL_KEYS)}) '
            'but lies outside configs/_base_/')
        return
    assert cfg.default_scope == 'mmmlc'
    init_default_scope(cfg.default_scope)
    _replace_files(cfg.model, tmp_path)
    _check_pipelines(cfg, tmp_path)
    if not _is_digit_scenes(cfg):
        model_cfg = copy.deepcopy(cfg.model)
        for node in _pretrained_modules(model_cfg):
            node['init_cfg'] = None
        model = MODELS.build(model_cfg)
        assert sum(p.numel() for p in model.parameters()) > 0
        return
    _format_once(request.getfixturevalue('monkeypatch'))
    _train_one_step(cfg, tmp_path / 'work',
                    request.getfixturevalue('digit_root'))


@pytest.mark.parametrize('path', LEAVES, ids=_name)
def test_config_name_and_bases(path):
    """The name grammar; a base outside configs/_base_/ is a sibling of the
    same method folder and dataset (a variant of one recipe)."""
    cfg = Config.fromfile(path)
    match = NAME.fullmatch(osp.basename(path))
    assert match, f'{_name(path)} does not follow the name grammar'
    algorithm = match['algorithm']
    if 'linear' in algorithm or 'lincls' in algorithm:
        assert algorithm.startswith('linear-probe'), (
            f'{_name(path)}: a linear probe is named linear-probe')
    assert cfg.train_dataloader.batch_size == int(match['batch']), (
        f'{_name(path)}: train batch {cfg.train_dataloader.batch_size}, '
        f'the name says {match["batch"]}')
    base_dir = osp.join(CONFIG_DIR, '_base_') + osp.sep
    for base in _bases(path):
        if base.startswith(base_dir):
            continue
        sibling = NAME.fullmatch(osp.basename(base))
        assert (osp.dirname(base) == osp.dirname(path) and sibling
                and sibling['dataset'] == match['dataset']), (
            f'{_name(path)} inherits {_name(base)}: a config composes '
            'configs/_base_/ files, or a variant of its own method and '
            'dataset')


def test_metafiles():
    """mmpretrain's model-zoo format: Collections, and Models whose Config
    exists and whose Results are multi-label mAPs."""
    for path in METAFILES:
        with open(path, encoding='utf-8') as f:
            meta = yaml.safe_load(f)
        collections = {c['Name'] for c in meta['Collections']}
        names = [m['Name'] for m in meta['Models']]
        assert len(names) == len(set(names)), f'{_name(path)}: names repeat'
        for model in meta['Models']:
            where = f'{_name(path)}: {model["Name"]}'
            assert model['In Collection'] in collections, where
            assert osp.isfile(osp.join(REPO, model['Config'])), where
            for downstream in model.get('Downstream') or []:
                assert downstream in names, f'{where}: {downstream}'
            for result in model.get('Results') or []:
                assert result['Task'] == 'Multi-Label Classification', where
                assert result['Dataset'], where
                assert isinstance(result['Metrics']['mAP'],
                                  (int, float)), where

"""NumClassesCheckHook: a model/dataset class-count mismatch stops the run."""
import os.path as osp
from types import SimpleNamespace

import pytest
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.engine import NumClassesCheckHook
from mmmlc.registry import MODELS


def _model(num_classes, preprocessor_classes=None):
    init_default_scope('mmmlc')
    return MODELS.build(
        dict(
            type='ImageClassifier',
            data_preprocessor=dict(
                type='ClsDataPreprocessor',
                num_classes=preprocessor_classes or num_classes,
                to_onehot=True),
            backbone=dict(
                type='ResNet', depth=18, stem_channels=8, base_channels=8),
            neck=dict(type='GlobalAveragePooling'),
            head=dict(
                type='MultiLabelLinearClsHead',
                num_classes=num_classes,
                in_channels=64)))


def _runner(model, num_dataset_classes, mode='train'):
    classes = tuple(f'c{i}' for i in range(num_dataset_classes))
    dataset = SimpleNamespace(metainfo=dict(classes=classes))
    loop = SimpleNamespace(dataloader=SimpleNamespace(dataset=dataset))
    return SimpleNamespace(model=model, **{f'{mode}_loop': loop})


@pytest.mark.parametrize('mode', ['train', 'val', 'test'])
def test_matching_counts_pass(mode):
    hook = NumClassesCheckHook()
    getattr(hook, f'before_{mode}')(_runner(_model(5), 5, mode))


@pytest.mark.parametrize('mode', ['train', 'val', 'test'])
def test_head_mismatch_names_both_numbers(mode):
    hook = NumClassesCheckHook()
    with pytest.raises(ValueError) as err:
        getattr(hook, f'before_{mode}')(_runner(_model(576), 208, mode))
    message = str(err.value)
    assert 'model.head.num_classes is 576' in message
    assert f'{mode} dataset' in message and 'has 208 classes' in message
    assert 'set model.head.num_classes=208' in message


def test_preprocessor_mismatch():
    with pytest.raises(ValueError,
                       match='model.data_preprocessor.num_classes is 7'):
        NumClassesCheckHook().before_train(_runner(_model(5, 7), 5))


def test_models_or_datasets_without_classes_are_skipped():
    hook = NumClassesCheckHook()
    selfsup = SimpleNamespace(head=SimpleNamespace(), data_preprocessor=None)
    hook.before_train(_runner(selfsup, 5))
    runner = _runner(_model(5), 3)
    runner.train_loop.dataloader.dataset.metainfo = {}
    hook.before_train(runner)


def test_in_default_runtime():
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_',
                 'default_runtime.py'))
    assert cfg.default_hooks.num_classes_check.type == 'NumClassesCheckHook'


def test_runner_stops_before_training_on_a_mismatch(tmp_path):
    """The quick-start config with an 11-class head on 10-class data."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(
        osp.join(osp.dirname(__file__), '..', '..', 'configs', 'quickstart',
                 'baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py'))
    overrides = {'work_dir': str(tmp_path / 'work'), 'log_level': 'WARNING'}
    for split in ('train', 'val', 'test'):
        overrides[f'{split}_dataloader.num_workers'] = 0
        overrides[f'{split}_dataloader.persistent_workers'] = False
        overrides[f'{split}_dataloader.dataset.data_root'] = str(
            tmp_path / 'digit_scenes')
        for key, size in (('num_train', 4), ('num_val', 2), ('num_test', 2)):
            overrides[f'{split}_dataloader.dataset.{key}'] = size
    overrides['model.head.num_classes'] = 11
    cfg.merge_from_dict(overrides)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match='model.head.num_classes is 11 but '
                       'the train dataset'):
        runner.train()
    assert runner.iter == 0  # stopped before the first step

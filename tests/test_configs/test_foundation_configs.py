"""The supervised configs (baselines, quick start, SALGL) and their dataset
bases: the bases name registered components, the baselines carry their
recipe, the configs compose from ``configs/_base_`` instead of chaining, and
every metafile entry points at a config that loads. That every config builds
and trains a step is tests/test_configs/test_all_configs.py's job."""
import ast
import glob
import os.path as osp

import pytest
import yaml
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401
from mmmlc.registry import DATASETS, METRICS, MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FOLDERS = ('baselines', 'quickstart', 'salgl')
CONFIGS = sorted(
    p for folder in FOLDERS
    for p in glob.glob(osp.join(REPO, 'configs', folder, '*.py')))
BASELINES = sorted(
    glob.glob(osp.join(REPO, 'configs', 'baselines', '*.py')) +
    glob.glob(osp.join(REPO, 'configs', 'quickstart', '*.py')))
DATASET_BASES = sorted(
    glob.glob(osp.join(REPO, 'configs', '_base_', 'datasets', '*.py')))
METAFILES = [
    osp.join(REPO, 'configs', folder, 'metafile.yml')
    for folder in ('baselines', 'salgl')
]


def test_configs_found():
    assert len(BASELINES) >= 5
    assert len(DATASET_BASES) >= 7


@pytest.mark.parametrize('path', DATASET_BASES, ids=osp.basename)
def test_dataset_base_names_registered_components(path):
    cfg = Config.fromfile(path)
    init_default_scope('mmmlc')
    # Self-supervised pretraining bases (e.g. *_swav-mcrop.py) define only
    # the train split; evaluation bases define all three and a metric.
    splits = [s for s in ('train', 'val', 'test') if f'{s}_dataloader' in cfg]
    assert 'train' in splits
    assert splits in (['train'], ['train', 'val', 'test']), splits
    for split in splits:
        dataset = cfg[f'{split}_dataloader']['dataset']
        while 'pipeline' not in dataset and 'dataset' in dataset:
            dataset = dataset['dataset']  # dataset wrappers
        if 'type' not in dataset:
            # A fragment the dataset bases share (loaders_448.py): checked
            # through them.
            continue
        assert DATASETS.get(dataset['type']) is not None, dataset['type']
    if 'val' in splits:
        evaluators = cfg.val_evaluator
        if not isinstance(evaluators, (list, tuple)):
            evaluators = [evaluators]
        for evaluator in evaluators:
            assert METRICS.get(evaluator['type']) is not None, evaluator


@pytest.mark.parametrize('path', BASELINES, ids=osp.basename)
def test_baseline_recipe(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmmlc'
    num_classes = cfg.model.head.num_classes
    assert cfg.model.data_preprocessor.num_classes == num_classes
    if 'voc07' in path:
        assert num_classes == 20
        assert cfg.train_dataloader.dataset.difficult_as_positive
        assert not cfg.test_dataloader.dataset.difficult_as_positive
        assert 'gt_label_difficult' in (
            cfg.test_dataloader.dataset.pipeline[-1].meta_keys)
    if 'coco14' in path:
        assert num_classes == 80
    if 'digitscenes' in path:
        assert num_classes == 10
        assert cfg.model.backbone.depth == 18
        assert cfg.train_cfg.max_epochs == 8
    else:
        # Total batch 128 = 8 GPUs x 16, as the name and the lr say.
        assert cfg.train_dataloader.batch_size == 16
        assert cfg.auto_scale_lr.base_batch_size == 128
        assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    loss = cfg.model.head.loss
    if osp.basename(path).startswith('baseline-asl'):
        assert (loss.type, loss.gamma_neg, loss.gamma_pos,
                loss.clip) == ('AsymmetricLoss', 4.0, 0.0, 0.05)
    else:
        assert loss.type == 'CrossEntropyLoss' and loss.use_sigmoid


def _bases(path):
    """The ``_base_`` list of a config file, read without executing it."""
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if (isinstance(node, ast.Assign)
                and getattr(node.targets[0], 'id', None) == '_base_'):
            value = ast.literal_eval(node.value)
            return [value] if isinstance(value, str) else list(value)
    return []


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_configs_compose_from_base(path):
    """A config names only ``configs/_base_`` files, or a config of its own
    folder on the same dataset (another resolution, an augmentation
    screen), and deletes nothing it inherits."""
    dataset = osp.basename(path)[:-3].rsplit('_', 1)[1].split('-')[0]
    for base in _bases(path):
        target = osp.normpath(osp.join(osp.dirname(path), base))
        assert osp.isfile(target), base
        if target.startswith(osp.join(REPO, 'configs', '_base_') + osp.sep):
            continue
        assert osp.dirname(target) == osp.dirname(path), base
        assert osp.basename(target)[:-3].rsplit('_', 1)[1].startswith(
            dataset), base
    assert '_delete_' not in open(path).read()


@pytest.mark.parametrize(
    'metafile', METAFILES, ids=lambda p: osp.basename(osp.dirname(p)))
def test_metafile_entries_point_at_configs(metafile):
    """mmpretrain's metafile format: every model names its collection and a
    config that exists and loads with registered parts; results, where
    given, are multi-label mAP."""
    meta = yaml.safe_load(open(metafile))
    collections = {c['Name'] for c in meta['Collections']}
    for collection in meta['Collections']:
        assert osp.isfile(osp.join(REPO, collection['README']))
        # The paper by title; configs carry no URLs (nothing downloads).
        assert collection['Paper']['Title']
        assert '://' not in open(metafile).read()
    folder = osp.dirname(metafile)
    listed = set()
    init_default_scope('mmmlc')
    for model in meta['Models']:
        assert model['In Collection'] in collections
        path = osp.join(REPO, model['Config'])
        assert osp.basename(path)[:-3] == model['Name']
        listed.add(path)
        cfg = Config.fromfile(path)
        for part in ('backbone', 'neck', 'head'):
            assert MODELS.get(cfg.model[part]['type']) is not None
        assert MODELS.get(cfg.model['type']) is not None
        for result in model['Results'] or []:
            assert result['Task'] == 'Multi-Label Classification'
            assert 0 < result['Metrics']['mAP'] < 100
    # Every config of the folder is listed.
    assert listed == set(glob.glob(osp.join(folder, '*.py')))

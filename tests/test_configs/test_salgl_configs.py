"""configs/salgl: the paper-scale configs carry the recipe (classes, scenes,
embeddings, optimiser, schedules, EMA, pipelines at the resolution of the
name); the ViT config's token bookkeeping; the DigitScenes config trains 2
iterations through mmengine's Runner with its EMA hook and a validation pass.
That every config builds and steps is tests/test_configs/test_all_configs.py's
job."""
import glob
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmmlc  # noqa: F401
from mmmlc.registry import MODELS, PARAM_SCHEDULERS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'salgl', '*.py')))
FULL = [p for p in CONFIGS if '-80e_' in p]
DIGITS = osp.join(REPO, 'configs', 'salgl',
                  'salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')
NAME = re.compile(r'salgl_(?P<backbone>[a-z0-9-]+)_(?P<gpus>\d+)xb'
                  r'(?P<batch>\d+)-onecycle-(?P<epochs>\d+)e_'
                  r'(?P<data>[a-z0-9]+)-(?P<res>\d+)px\.py')
# dataset in the name -> (classes, scenes, embedding file)
DATASETS = {
    'coco14': (80, 6, 'data/label_embeddings/coco14_bert-base-uncased.npy'),
    'nuswide': (81, 2,
                'data/label_embeddings/nuswide_bert-base-uncased.npy'),
    'voc07': (20, 4, 'data/label_embeddings/voc07_bert-base-uncased.npy'),
}


def test_configs_found():
    names = {osp.basename(p) for p in CONFIGS}
    assert {
        'salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py',
        'salgl_resnet101_4xb32-onecycle-80e_coco14-576px.py',
        'salgl_resnet101_4xb32-onecycle-80e_nuswide-448px.py',
        'salgl_resnet101_4xb32-onecycle-80e_voc07-448px.py',
        'salgl_vit-large-p16_4xb32-onecycle-80e_coco14-448px.py',
        osp.basename(DIGITS),
    } <= names


def _resize_scale(pipeline):
    return [t['scale'] for t in pipeline if t['type'] == 'Resize']


@pytest.mark.parametrize('path', FULL, ids=osp.basename)
def test_full_recipe(path):
    cfg = Config.fromfile(path)
    match = NAME.fullmatch(osp.basename(path))
    assert match, 'config name grammar'
    res = int(match['res'])
    classes, scenes, embedding = DATASETS[match['data']]
    # Total batch 128 = gpus x batch, as the name says.
    assert int(match['gpus']) * int(match['batch']) == 128
    assert cfg.train_dataloader.batch_size == int(match['batch'])
    assert cfg.auto_scale_lr.base_batch_size == 128
    # Classes and scenes agree everywhere.
    assert cfg.model.data_preprocessor.num_classes == classes
    assert cfg.model.neck.num_classes == classes
    assert cfg.model.head.num_classes == classes
    assert cfg.model.neck.num_scenes == scenes
    assert cfg.model.neck.embedding_file == embedding
    assert cfg.model.neck.normalize and cfg.model.neck.out_messages
    assert not cfg.model.neck.soft_scenes and not cfg.model.neck.ignore_self
    # Optimiser, one-cycle over 80 epochs, EMA 0.9997 with buffers.
    optim = cfg.optim_wrapper.optimizer
    assert (optim.type, optim.lr, optim.weight_decay) == ('AdamW', 1e-4,
                                                          0.01)
    assert cfg.train_cfg.max_epochs == 80 == int(match['epochs'])
    one_cycle = cfg.param_scheduler[0]
    assert one_cycle.type == 'OneCycleLR' and one_cycle.end == 80
    assert one_cycle.pct_start == 0.2 and one_cycle.eta_max == 1e-4
    (ema, ) = cfg.custom_hooks
    assert ema.type == 'EMAHook'
    assert ema.ema_type == 'FusedExponentialMovingAverage'
    assert ema.momentum == pytest.approx(1 - 0.9997)
    assert ema.update_buffers
    # Pretrained backbone from a local file.
    init = cfg.model.backbone.init_cfg
    assert init.type == 'Pretrained' and init.prefix == 'backbone.'
    assert not init.checkpoint.startswith(('http:', 'https:'))
    # Pipelines at the resolution of the name; Cutout half the side, always,
    # then RandAugment with the 15 UDA ops, 2 per image.
    train = cfg.train_dataloader.dataset.pipeline
    assert _resize_scale(train) == [(res, res)]
    for loader in ('val_dataloader', 'test_dataloader'):
        assert _resize_scale(cfg[loader].dataset.pipeline) == [(res, res)]
    types = [t['type'] for t in train]
    assert types == ['LoadImageFromFile', 'Resize', 'RandomFlip', 'Cutout',
                     'RandAugment', 'PackInputs']
    cutout, randaug = train[3], train[4]
    assert cutout.shape == res // 2 and cutout.prob == 1.0
    assert randaug.num_policies == 2 and len(randaug.policies) == 15
    assert all(p['prob'] == 0.5 for p in randaug.policies)
    if match['data'] == 'voc07':
        assert cfg.train_dataloader.dataset.difficult_as_positive
        assert not cfg.test_dataloader.dataset.difficult_as_positive
        assert 'gt_label_difficult' in train[-1]['meta_keys']
        assert 'gt_label_difficult' in (
            cfg.test_dataloader.dataset.pipeline[-1]['meta_keys'])
    if match['backbone'].startswith('vit'):
        backbone = cfg.model.backbone
        assert backbone.type == 'VisionTransformer'
        assert backbone.out_type == 'raw' and backbone.with_cls_token
        assert backbone.img_size == res
        assert backbone.interpolate_mode == 'bicubic'
        assert cfg.model.neck.in_channels == 1024
        assert not cfg.model.neck.position_encoding


def _drop_pretrained_and_embedding(cfg, tmp_path):
    cfg.model.backbone.init_cfg = None
    neck = cfg.model.neck
    if neck.type == 'SceneLabelGraphNeck' and neck.get('embedding_file'):
        path = tmp_path / 'emb.npy'
        np.save(path, np.random.default_rng(0).normal(
            size=(neck.num_classes, neck.embedding_dim)))
        neck.embedding_file = str(path)


def test_vit_config_keeps_cls_token_and_resizes_position_embedding(tmp_path):
    """A ViT-L/16 at 448 gives the neck 785 tokens; a 224 checkpoint's 14x14
    position embedding is resized to 28x28 on load, the CLS entry kept."""
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'salgl',
                 'salgl_vit-large-p16_4xb32-onecycle-80e_coco14-448px.py'))
    backbone_cfg = dict(cfg.model.backbone, init_cfg=None)
    # Same code path with a small width; depth and width do not change the
    # token bookkeeping.
    backbone_cfg['arch'] = dict(embed_dims=32, num_layers=1, num_heads=2,
                                feedforward_channels=64)
    init_default_scope('mmmlc')
    backbone = MODELS.build(backbone_cfg)
    tokens = backbone(torch.zeros(1, 3, 448, 448))[-1]
    assert tokens.shape == (1, 785, 32)
    small = dict(backbone_cfg, img_size=224)
    source = MODELS.build(small).state_dict()
    source['pos_embed'] = torch.randn(1, 197, 32)
    backbone.load_state_dict(source)
    assert backbone.pos_embed.shape == (1, 785, 32)
    torch.testing.assert_close(backbone.pos_embed[:, 0],
                               source['pos_embed'][:, 0])
    grid = source['pos_embed'][:, 1:].reshape(1, 14, 14, 32).permute(
        0, 3, 1, 2)
    expected = torch.nn.functional.interpolate(
        grid, size=(28, 28), mode='bicubic', align_corners=False)
    torch.testing.assert_close(
        backbone.pos_embed[:, 1:],
        expected.permute(0, 2, 3, 1).reshape(1, 784, 32))


def test_one_cycle_and_beta1_schedule():
    cfg = Config.fromfile(FULL[0])
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([param], lr=cfg.optim_wrapper.optimizer.lr,
                                  betas=cfg.optim_wrapper.optimizer.betas)
    epoch_len = 10
    schedulers = [
        PARAM_SCHEDULERS.build(
            dict(s, optimizer=optimizer, epoch_length=epoch_len))
        for s in cfg.param_scheduler
    ]
    lrs, betas = [], []
    for _ in range(80 * epoch_len):
        lrs.append(optimizer.param_groups[0]['lr'])
        betas.append(optimizer.param_groups[0]['betas'][0])
        optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    # PyTorch OneCycleLR defaults: 1e-4 / 25 -> 1e-4 at 20 % -> / 1e4.
    assert lrs[0] == pytest.approx(4e-6)
    assert max(lrs) == pytest.approx(1e-4)
    assert int(np.argmax(lrs)) == 16 * epoch_len - 1
    assert lrs[-1] == pytest.approx(4e-10, rel=0.05)
    # beta1 0.95 -> 0.85 at the lr peak -> 0.95, close to PyTorch's curve.
    reference = torch.optim.AdamW([param], lr=1e-4)
    one_cycle = torch.optim.lr_scheduler.OneCycleLR(
        reference, max_lr=1e-4, total_steps=80 * epoch_len, pct_start=0.2)
    torch_betas = []
    for _ in range(80 * epoch_len):
        torch_betas.append(reference.param_groups[0]['betas'][0])
        reference.step()
        one_cycle.step()
    assert betas[0] == 0.95 and min(betas) == pytest.approx(0.85, abs=1e-3)
    assert np.max(np.abs(np.array(betas) - np.array(torch_betas))) < 5e-3


@pytest.mark.parametrize('model', ['baseline-bce', 'salgl'])
def test_digitscenes_randaug_screen_is_the_coco_randaugment(model):
    """The screened pipeline is the COCO recipe's RandAugment with its
    Cutout op scaled from 448 to 64 px, and no flip or Cutout besides; the
    rest of the config is the DigitScenes one without augmentation."""
    salgl = osp.join(REPO, 'configs', 'salgl')
    name = 'resnet18_1xb32-onecycle-8e_digitscenes-64px.py'
    ours = Config.fromfile(osp.join(salgl, f'{model}-randaug_{name}'))
    plain = Config.fromfile(osp.join(salgl, f'{model}_{name}'))
    coco = Config.fromfile(
        osp.join(salgl, 'salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py'))
    coco = coco.randaugment.to_dict()
    pipeline = ours.train_dataloader.dataset.pipeline
    assert [t['type'] for t in pipeline] == [
        'LoadImageFromFile', 'Resize', 'RandAugment', 'PackInputs'
    ]
    for key in ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg'):
        assert ours[key] == plain[key], key
    assert ours.get('custom_hooks') == plain.get('custom_hooks')
    randaug = pipeline[2].to_dict()
    cutout = randaug['policies'][1]
    assert cutout['type'] == 'Cutout'
    assert cutout['magnitude_range'] == pytest.approx((0, 20 * 64 / 448))
    assert coco['policies'][1]['magnitude_range'] == (0, 20)
    cutout['magnitude_range'] = (0, 20)
    assert randaug == coco


def test_digitscenes_smoke_run_with_ema_and_val(tmp_path):
    cfg = Config.fromfile(DIGITS)
    data_root = str(tmp_path / 'digit_scenes')
    sizes = dict(num_train=4, num_val=4, num_test=4)
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        loader.dataset.update(data_root=data_root, **sizes)
    cfg.train_cfg.update(max_epochs=1, val_interval=1)
    cfg.param_scheduler.end = 1
    cfg.work_dir = str(tmp_path / 'work')
    cfg.default_hooks.logger.interval = 1
    cfg.randomness = dict(seed=0)
    runner = Runner.from_cfg(cfg)
    seen = {}

    class RecordValWeights(Hook):
        # Runs after EMAHook (ABOVE_NORMAL) has swapped the weights.
        def before_val_epoch(self, runner):
            seen['comatrix'] = runner.model.neck.comatrix.clone()

    runner.register_hook(RecordValWeights(), priority='LOW')
    runner.train()
    ema_hook = [h for h in runner.hooks if type(h).__name__ == 'EMAHook']
    assert len(ema_hook) == 1
    ema = ema_hook[0].ema_model
    assert type(ema).__name__ == 'FusedExponentialMovingAverage'
    assert ema.momentum == 0.01 and ema.update_buffers
    assert int(ema.steps) == 2  # 2 iterations of 2 images
    # The live model counted every training label in its buffer; the EMA
    # copy averages it (first step copied, second lerped).
    labels = sum(len(runner.train_dataloader.dataset.get_data_info(i)
                     ['gt_label']) for i in range(4))
    live = runner.model.neck.comatrix
    assert float(live.diagonal(dim1=1, dim2=2).sum()) == labels
    # The val pass ran on the EMA weights (swapped in, then back) and
    # logged mAP.
    assert 'val/multi-label/mAP' in runner.message_hub.log_scalars
    torch.testing.assert_close(seen['comatrix'], ema.module.neck.comatrix)
    assert not torch.equal(seen['comatrix'], runner.model.neck.comatrix)
    # The checkpoint's state_dict holds the EMA weights (what test.py and
    # the figure tools read), the raw ones sit in ema_state_dict.
    ckpt = torch.load(tmp_path / 'work' / 'epoch_1.pth', weights_only=True)
    torch.testing.assert_close(ckpt['state_dict']['neck.comatrix'],
                               ema.module.neck.comatrix)
    torch.testing.assert_close(ckpt['ema_state_dict']['module.neck.comatrix'],
                               live)
    assert not torch.equal(ema.module.neck.comatrix, live)


_SYNCS = ('item', 'tolist', '__bool__', '__int__', '__float__', '__index__')


def test_coco_step_has_no_host_sync(tmp_path, monkeypatch):
    """The benchmarked step of the COCO config (train_step + EMA hook, bf16,
    channels_last, fused AdamW) reads nothing back to the host after its
    first step."""
    from mmmlc.utils.benchmark import TrainStepBenchmark
    cfg = Config.fromfile(FULL[0])
    _drop_pretrained_and_embedding(cfg, tmp_path)
    # ResNet-18 instead of 101 and 64 px: the same code path (mmpretrain's
    # ResNet) at a cost a CPU test can pay (R101 in bf16 takes minutes).
    cfg.model.backbone.depth = 18
    cfg.model.neck.in_channels = cfg.model.head.in_channels = 512
    for transform in cfg.train_dataloader.dataset.pipeline:
        if transform['type'] == 'Resize':
            transform['scale'] = (64, 64)
        if transform['type'] == 'Cutout':
            transform['shape'] = 32
    bench = TrainStepBenchmark(
        cfg, 'coco14-448', device='cpu', batch_size=2, amp=True,
        channels_last=True, input_shape=(96, 128))
    assert type(bench.hooks[0].ema_model).__name__ == (
        'FusedExponentialMovingAverage')
    assert bench.precision == 'bf16 AMP'
    # A list of images goes through mmengine's stack_batch, whose padding
    # test reads a CPU tensor built from the shapes (no device sync, but
    # this patch cannot tell); the batch is given stacked, as on a GPU
    # after the host-side collate.
    bench.batch['inputs'] = torch.stack(list(bench.batch['inputs']))
    bench.step()  # the EMA's first step copies; optimizer state is built

    def refuse(name):
        def fn(*args, **kwargs):
            raise AssertionError(f'host sync: Tensor.{name} in a train step')
        return fn

    comatrix = bench.model.neck.comatrix.clone()
    for name in _SYNCS:
        monkeypatch.setattr(torch.Tensor, name, refuse(name))
    bench.step()
    bench.step()
    monkeypatch.undo()
    assert int(bench.hooks[0].ema_model.steps) == 3
    assert bench.model.neck.comatrix.sum() > comatrix.sum()
    # The patch really catches a sync.
    monkeypatch.setattr(torch.Tensor, '__bool__', refuse('__bool__'))
    with pytest.raises(AssertionError, match='host sync'):
        bool(torch.ones(1))

"""Tests of the training-step benchmark (mmmlc.utils.benchmark + its tool)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import mmmlc  # noqa: F401
from mmmlc.utils.benchmark import (TABLE_HEADER, TABLE_SEPARATOR,
                                   BenchmarkResult, TrainStepBenchmark,
                                   drop_pretrained_init)
from mmmlc.testing import load_script
from mmmlc.utils.synthetic_batch import build_synthetic_batch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# A Pretrained init_cfg pointing nowhere: building must drop it, or the
# benchmark would fail loading it.
TINY_CONFIG = """
default_scope = 'mmmlc'
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet', depth=18, base_channels=8, stem_channels=8,
        init_cfg=dict(type='Pretrained', checkpoint='/no/such/file.pth',
                      prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='MultiLabelLinearClsHead', num_classes=5, in_channels=64))
data_preprocessor = dict(
    num_classes=5, mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375], to_rgb=True)
train_dataloader = dict(
    batch_size=4,
    dataset=dict(type='VOC', data_root='/no/such/dir', pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=32),
        dict(type='PackInputs'),
    ]))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
train_cfg = dict(by_epoch=True, max_epochs=2)
custom_hooks = [dict(type='EMAHook', momentum=0.5)]
"""


@pytest.fixture
def tiny_cfg_path(tmp_path):
    path = tmp_path / 'tiny_resnet.py'
    path.write_text(TINY_CONFIG)
    return str(path)


def _ema_and_src(hook):
    ema = dict(hook.ema_model.module.named_parameters())
    src = dict(hook.src_model.named_parameters())
    return ({k: v.detach().clone() for k, v in ema.items()},
            {k: v.detach().clone() for k, v in src.items()})


def test_run_times_the_step_and_runs_ema_hook(tiny_cfg_path):
    bench = TrainStepBenchmark(
        Config.fromfile(tiny_cfg_path), 'tiny', device='cpu')
    assert len(bench.hooks) == 1
    hook = bench.hooks[0]
    ema_before, _ = _ema_and_src(hook)

    result = bench.run(warmup=1, iters=3)
    assert len(result.iter_times) == 3
    assert result.img_per_s > 0
    median = sorted(result.iter_times)[1]
    assert result.img_per_s == pytest.approx(4 / median)
    assert result.peak_mem_bytes is None
    assert (result.batch_size, result.precision) == (4, 'fp32')
    # One EMA update per iteration: the hook ran 4 times.
    assert int(hook.ema_model.steps) == 4
    assert bench.runner.iter == 4
    ema_after, src_after = _ema_and_src(hook)
    name = 'backbone.conv1.weight'
    assert not torch.equal(ema_after[name], ema_before[name])
    # momentum 0.5 lags behind the trained weights.
    assert not torch.equal(ema_after[name], src_after[name])

    # One more step: EMA is exactly lerp(old_ema, new_src, momentum).
    bench.step()
    ema_new, src_new = _ema_and_src(hook)
    for key in (name, 'head.fc.weight'):
        expected = ema_after[key] + 0.5 * (src_new[key] - ema_after[key])
        torch.testing.assert_close(ema_new[key], expected)


def test_synthetic_batch_follows_pipeline(tiny_cfg_path):
    cfg = Config.fromfile(tiny_cfg_path)
    TrainStepBenchmark(cfg, 'tiny', device='cpu')  # sets the default scope
    batch = build_synthetic_batch(
        cfg, batch_size=6, num_classes=80, input_shape=(48, 64), seed=1)
    # No collate_fn in the config: mmengine's pseudo_collate (a list).
    assert len(batch['inputs']) == 6
    assert all(x.shape == (3, 32, 32) and x.dtype == torch.uint8
               for x in batch['inputs'])
    labels = [s.gt_label.tolist() for s in batch['data_samples']]
    assert all(2 <= len(lab) <= 4 for lab in labels)
    assert all(lab == sorted(set(lab)) for lab in labels)
    assert all(0 <= c < 80 for lab in labels for c in lab)
    assert len({tuple(lab) for lab in labels}) > 1  # labels differ
    sample = batch['data_samples'][0]
    assert sample.img_path == 'synthetic'
    assert sample.ori_shape == (48, 64)

    cfg.train_dataloader.collate_fn = dict(type='default_collate')
    batch = build_synthetic_batch(cfg, 3, 80, (48, 64), seed=1)
    assert batch['inputs'].shape == (3, 3, 32, 32)


def test_batch_size_and_num_classes_from_config(tiny_cfg_path):
    cfg = Config.fromfile(tiny_cfg_path)
    bench = TrainStepBenchmark(cfg, 'tiny', device='cpu', batch_size=2)
    assert bench.batch_size == 2
    # The Pretrained init_cfg is dropped from a copy, not from the config.
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    labels = [s.gt_label.tolist() for s in bench.batch['data_samples']]
    assert all(0 <= c < 5 for lab in labels for c in lab)


def test_channels_last_reaches_backbone(tiny_cfg_path):
    bench = TrainStepBenchmark(
        Config.fromfile(tiny_cfg_path), 'tiny', device='cpu',
        channels_last=True)
    assert bench.model.backbone.conv1.weight.is_contiguous(
        memory_format=torch.channels_last)
    seen = []
    bench.model.backbone.conv1.register_forward_pre_hook(
        lambda m, args: seen.append(args[0].is_contiguous(
            memory_format=torch.channels_last)))
    bench.step()
    assert seen == [True]


def test_compile_wraps_train_step(tiny_cfg_path):
    bench = TrainStepBenchmark(
        Config.fromfile(tiny_cfg_path), 'tiny', device='cpu', compile=True)
    assert bench.compiled
    # Like Runner._maybe_compile: an instance attribute replaces the method.
    assert 'train_step' in vars(bench.model)


def test_fp16_amp_on_cpu_is_a_clear_error(tiny_cfg_path):
    with pytest.raises(RuntimeError, match='float16 AMP needs a CUDA GPU'):
        TrainStepBenchmark(
            Config.fromfile(tiny_cfg_path), 'tiny', device='cpu', amp=True,
            amp_dtype='float16')


def test_bf16_amp_runs_on_cpu(tiny_cfg_path):
    bench = TrainStepBenchmark(
        Config.fromfile(tiny_cfg_path), 'tiny', device='cpu', amp=True)
    assert type(bench.optim_wrapper).__name__ == 'BF16OptimWrapper'
    assert bench.precision == 'bf16 AMP'
    result = bench.run(warmup=1, iters=2)
    assert result.img_per_s > 0


def test_missing_pipeline_is_a_clear_error(tiny_cfg_path):
    cfg = Config.fromfile(tiny_cfg_path)
    cfg.train_dataloader.dataset.pop('pipeline')
    with pytest.raises(ValueError, match='tiny_resnet.py.*pipeline'):
        TrainStepBenchmark(cfg, 'tiny', device='cpu')


def test_stand_in_runner_names_missing_attribute(tiny_cfg_path):
    bench = TrainStepBenchmark(
        Config.fromfile(tiny_cfg_path), 'tiny', device='cpu')
    assert bench.runner.max_epochs == 2
    assert bench.runner.train_loop.max_iters == bench.runner.max_iters
    with pytest.raises(AttributeError, match='val_evaluator'):
        bench.runner.val_evaluator
    with pytest.raises(AttributeError, match='no `dataloader`'):
        bench.runner.train_loop.dataloader


def test_drop_pretrained_init():
    cfg = dict(
        backbone=dict(init_cfg=dict(type='Pretrained', checkpoint='a')),
        neck=dict(init_cfg=[
            dict(type='Kaiming', layer='Conv2d'),
            dict(type='Pretrained', checkpoint='b')
        ]),
        head=dict(init_cfg=dict(type='Normal', std=0.01)))
    assert drop_pretrained_init(cfg) == 2
    assert 'init_cfg' not in cfg['backbone']
    assert cfg['neck']['init_cfg'] == [dict(type='Kaiming', layer='Conv2d')]
    assert cfg['head']['init_cfg'] == dict(type='Normal', std=0.01)


def test_table_row_format():
    result = BenchmarkResult(
        config='salgl_r101',
        device='cuda',
        batch_size=32,
        precision='bf16 AMP',
        channels_last=True,
        compiled=False,
        iter_times=[0.1, 0.08, 0.05],
        peak_mem_bytes=3 * 2**30)
    assert result.table_row() == (
        '| salgl_r101 | cuda | 32 | bf16 AMP | yes | no | 400.0 | '
        '320.0-640.0 | 3.00 |')
    assert TABLE_HEADER.count('|') == result.table_row().count('|')
    assert TABLE_SEPARATOR.count('|') == TABLE_HEADER.count('|')


def test_tool_prints_command_header_and_row(tiny_cfg_path, capsys):
    tool = load_script(
        osp.join(REPO, 'tools', 'analysis_tools', 'benchmark.py'))
    row = tool.main([
        tiny_cfg_path, '--device', 'cpu', '--warmup', '1', '--iters', '2',
        '--header', '--cfg-options', 'train_dataloader.batch_size=3'
    ])
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith(
        'command: python tools/analysis_tools/benchmark.py ')
    assert '--cfg-options train_dataloader.batch_size=3' in lines[0]
    assert lines[1:3] == [TABLE_HEADER, TABLE_SEPARATOR]
    assert lines[3] == row
    cells = [c.strip() for c in row.strip('|').split('|')]
    assert cells[:6] == ['tiny_resnet', 'cpu', '3', 'fp32', 'no', 'no']
    assert float(cells[6]) > 0
    low, high = map(float, cells[7].split('-'))
    assert low <= float(cells[6]) <= high
    assert cells[8] == '-'


def test_tool_interleaves_versus_contenders(tiny_cfg_path, capsys):
    tool = load_script(
        osp.join(REPO, 'tools', 'analysis_tools', 'benchmark.py'))
    calls = []
    real_step = TrainStepBenchmark.step

    def step(self):
        calls.append(self.batch_size)
        return real_step(self)

    TrainStepBenchmark.step = step
    try:
        rows = tool.main([
            tiny_cfg_path, '--device', 'cpu', '--warmup', '1', '--iters',
            '1', '--rounds', '2', '--clock', 'process', '--versus',
            tiny_cfg_path, 'train_dataloader.batch_size=2'
        ]).splitlines()
    finally:
        TrainStepBenchmark.step = real_step
    # Warm-up (1 + 1 timed) each, then round 1: A, B; round 2: B, A.
    assert calls == [4, 4, 2, 2, 4, 2, 2, 4]
    assert [r.split('|')[3].strip() for r in rows] == ['4', '2']
    ratio = capsys.readouterr().out.strip().splitlines()[-1]
    assert ratio.startswith('step time of contender 2 (tiny_resnet) / '
                            'contender 1 (tiny_resnet): ')
    with pytest.raises(ValueError, match='KEY=VALUE'):
        tool.main([tiny_cfg_path, '--device', 'cpu', '--versus',
                   tiny_cfg_path, 'oops'])


def test_process_clock_counts_cpu_time_not_sleep(tiny_cfg_path):
    import time
    bench = TrainStepBenchmark(
        Config.fromfile(tiny_cfg_path), 'tiny', device='cpu')
    real_step = bench.step
    bench.step = lambda: (time.sleep(0.2), real_step())
    wall = bench.run(warmup=0, iters=1).iter_times[0]
    cpu = bench.run(warmup=0, iters=1, clock='process').iter_times[0]
    assert wall >= 0.2 and cpu < wall - 0.1
    with pytest.raises(ValueError, match='clock'):
        bench.run(warmup=0, iters=1, clock='gpu')

"""End to end through ``tools/``: MulCon stage one -> stage two -> test.

A tiny DigitScenes build (48 / 24 / 24 images) on the CPU: stage one
writes its EMA checkpoint, stage two loads it by the config field and
trains with both losses, ``tools/test.py`` evaluates stage two.
"""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIGS = osp.join(REPO, 'configs', 'mulcon')
STAGE_ONE = osp.join(
    CONFIGS, 'mulcon-stage1_resnet18_1xb32-coslr-8e_digitscenes-64px.py')
STAGE_TWO = osp.join(
    CONFIGS,
    'mulcon-stage2_resnet18_1xb32-2view-steplr-4e_digitscenes-64px.py')

pytestmark = pytest.mark.e2e


def _tiny_data(root):
    options = []
    # Every loader names all three sizes: they describe one build.
    for split in ('train', 'val', 'test'):
        options += [
            f'{split}_dataloader.dataset.data_root={root}',
            f'{split}_dataloader.dataset.num_train=48',
            f'{split}_dataloader.dataset.num_val=24',
            f'{split}_dataloader.dataset.num_test=24',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False',
        ]
    return options


def _run(args, cwd):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def test_two_stages_chain(tmp_path):
    data = _tiny_data(str(tmp_path / 'digits'))
    one, two = str(tmp_path / 'one'), str(tmp_path / 'two')
    short = ['train_cfg.max_epochs=2', 'train_cfg.val_interval=2',
             'param_scheduler.0.end=1', 'param_scheduler.1.begin=1',
             'param_scheduler.1.end=2', 'param_scheduler.1.T_max=1',
             'train_dataloader.batch_size=16',
             'default_hooks.logger.interval=1']
    _run(['tools/train.py', STAGE_ONE, '--work-dir', one, '--cfg-options',
          *short, *data], REPO)
    checkpoint = osp.join(one, 'epoch_2.pth')
    assert osp.isfile(checkpoint)
    log = _run(['tools/train.py', STAGE_TWO, '--work-dir', two,
                '--cfg-options', 'train_cfg.max_epochs=1',
                'train_dataloader.batch_size=16',
                'default_hooks.logger.interval=1',
                f'model.stage_one_checkpoint={checkpoint}', *data], REPO)
    assert 'MulCon: loaded' in log and checkpoint in log
    assert re.search(r'loss_cls: [0-9.]+\s+loss_con: [0-9.]+', log)
    out = _run(['tools/test.py', STAGE_TWO, osp.join(two, 'epoch_1.pth'),
                '--cfg-options', *data], REPO)
    assert re.search(r'multi-label/mAP: [0-9.]+', out)


def test_stage_two_without_stage_one_stops_before_training(tmp_path):
    data = _tiny_data(str(tmp_path / 'digits'))
    missing = str(tmp_path / 'nope' / 'epoch_8.pth')
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', STAGE_TWO, '--work-dir',
         str(tmp_path / 'two'), '--cfg-options',
         f'model.stage_one_checkpoint={missing}', *data],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert 'FileNotFoundError' in out and missing in out
    assert 'Epoch(train)' not in out

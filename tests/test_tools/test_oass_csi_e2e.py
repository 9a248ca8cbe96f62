"""OASS stage 5 through tools/: train the DigitScenes CSI config for two
iterations from a stage-1 checkpoint and a hand-written labelled CSI file,
then test it with max fusion (test-time CSI) and global fusion."""
import os
import os.path as osp
import re
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmmlc.datasets import DigitScenesDataset, build_digit_scenes
from mmmlc.datasets.transforms import save_proposals
from mmmlc.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STAGE1 = 'configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py'
CONFIG = 'configs/oass/oass-csi-max_resnet18_1xb16-poly-1e_digitscenes-64px.py'
SIZES = dict(num_train=32, num_val=8, num_test=8)

pytestmark = pytest.mark.e2e


def _run(args, check=True):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    out = proc.stdout + proc.stderr
    if check:
        assert proc.returncode == 0, out[-4000:]
    return proc.returncode, out


def _inputs(tmp_path):
    """A DigitScenes tree, a stage-1 checkpoint of a fresh stage-1 model and
    a CSI file of the train images' ground-truth boxes."""
    root = str(tmp_path / 'digit_scenes')
    build_digit_scenes(root, seed=0, **SIZES)
    init_default_scope('mmmlc')
    stage1 = MODELS.build(Config.fromfile(osp.join(REPO, STAGE1)).model)
    ckpt = str(tmp_path / 'stage1.pth')
    torch.save(dict(state_dict=stage1.state_dict()), ckpt)
    data = DigitScenesDataset(data_root=root, split='train',
                              difficult_as_positive=True, **SIZES)
    entries = {}
    for i in range(len(data)):
        info = data.get_data_info(i)
        boxes = np.asarray(info['gt_bboxes'], np.float32)
        entries[osp.basename(info['img_path'])] = dict(
            boxes=boxes, labels=info['gt_bboxes_labels'],
            scores=np.linspace(1.0, 0.5, len(boxes)), width=128, height=128)
    csi = str(tmp_path / 'csi.npz')
    save_proposals(csi, entries, classes=data.metainfo['classes'])
    options = [
        f'train_dataloader.dataset.dataset.data_root={root}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        f'train_dataloader.dataset.proposal_file={csi}',
    ]
    for key, value in SIZES.items():
        options.append(f'train_dataloader.dataset.dataset.{key}={value}')
    for split in ('val', 'test'):
        options += [f'{split}_dataloader.dataset.data_root={root}',
                    f'{split}_dataloader.num_workers=0',
                    f'{split}_dataloader.persistent_workers=False']
        options += [f'{split}_dataloader.dataset.{key}={value}'
                    for key, value in SIZES.items()]
    return ckpt, options


def test_train_then_test_csi(tmp_path):
    ckpt, options = _inputs(tmp_path)
    work = tmp_path / 'work'
    _, out = _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                   str(work), '--cfg-options', *options,
                   f'model.init_cfg.checkpoint={ckpt}',
                   'default_hooks.logger.interval=1'])
    assert f'load model from: {ckpt}' in out, out[-3000:]
    last = re.findall(r'Epoch\(train\) \[1\]\[2/2\].*', out)  # 32 / 16
    assert last, out[-3000:]
    for term in ('loss_img', 'loss_inst', 'loss_mil'):
        assert term in last[0]
    assert re.search(r'Epoch\(val\).*multi-label/mAP', out), out[-3000:]
    trained = work / 'epoch_1.pth'
    assert trained.is_file()
    for fusion in ('max', 'global'):
        _, out = _run([sys.executable, 'tools/test.py', CONFIG, str(trained),
                       '--work-dir', str(tmp_path / f'test_{fusion}'),
                       '--cfg-options', *options, f'model.fusion={fusion}'])
        assert re.search(r'Epoch\(test\).*multi-label/mAP', out), out[-3000:]

    code, out = _run([sys.executable, 'tools/train.py', CONFIG, '--work-dir',
                      str(tmp_path / 'missing'), '--cfg-options', *options,
                      'model.init_cfg.checkpoint=/nonexistent/stage1.pth'],
                     check=False)
    assert code != 0
    assert 'stage-1 checkpoint' in out and '/nonexistent/stage1.pth' in out
    assert 'Epoch(train)' not in out

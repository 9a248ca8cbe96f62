"""OASS through tools/: the documented 4-process command on the CPU.

``tools/dist_train.sh configs/oass/<DigitScenes full OASS> 4`` runs 2
iterations per rank on a tiny DigitScenes build with gloo, and
``tools/test.py`` scores the checkpoint (mAP and CAM CorLoc).
"""
import re
import sys

import pytest

CONFIG = 'configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py'

pytestmark = pytest.mark.e2e


def test_dist_train_four_cpu_processes_then_test(tmp_path, run_in_repo,
                                                  free_port):
    root = str(tmp_path / 'digit_scenes')
    options = []
    for split in ('train', 'val', 'test'):
        options += [
            f'{split}_dataloader.dataset.data_root={root}',
            f'{split}_dataloader.dataset.num_train=64',
            f'{split}_dataloader.dataset.num_val=32',
            f'{split}_dataloader.dataset.num_test=32',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False',
        ]
    work = tmp_path / 'work'
    out = run_in_repo(
        ['bash', 'tools/dist_train.sh', CONFIG, '4', '--work-dir',
         str(work), '--cfg-options', *options,
         'train_cfg.max_epochs=1', 'param_scheduler.0.end=1',
         'train_cfg.val_interval=1', 'default_hooks.logger.interval=1',
         'default_hooks.checkpoint.interval=1'],
        {'PORT': str(free_port)})
    assert re.search(r'GPU number: 4|world_size.{0,4}4', out), out[-3000:]
    # 64 images / (4 ranks x 8) = 2 iterations, every OASS term logged.
    last = re.findall(r'Epoch\(train\) \[1\]\[2/2\].*', out)
    assert last, out[-3000:]
    for term in ('loss_cls', 'loss_pcls', 'loss_re', 'loss_tile'):
        assert term in last[0]
    assert 'cam/CorLoc' in out
    ckpt = work / 'epoch_1.pth'
    assert ckpt.is_file()
    out = run_in_repo([sys.executable, 'tools/test.py', CONFIG, str(ckpt),
                       '--work-dir', str(tmp_path / 'test'), '--cfg-options',
                       *options])
    assert re.search(r'Epoch\(test\).*multi-label/mAP.*cam/CorLoc', out)

"""End to end through ``tools/``: train -> checkpoint -> test -> resume, DDP.

These run the real scripts in subprocesses on a tiny DigitScenes build, on
the CPU. They are the heaviest tests of the suite (about a minute together).
"""
import os
import os.path as osp
import re
import shutil
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(REPO, 'configs', 'quickstart',
                      'baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')

pytestmark = pytest.mark.e2e


def _write_config(tmp_path, data_root, max_epochs):
    sizes = 'num_train=48, num_val=24, num_test=24'
    loader = ('num_workers=0, persistent_workers=False, batch_size={bs}, '
              'dataset=dict(data_root={root!r}, {sizes})')
    text = f"""
_base_ = [{QUICKSTART!r}]
max_epochs = {max_epochs}
train_dataloader = dict({loader.format(bs=16, root=data_root, sizes=sizes)})
val_dataloader = dict({loader.format(bs=24, root=data_root, sizes=sizes)})
test_dataloader = dict({loader.format(bs=24, root=data_root, sizes=sizes)})
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
param_scheduler = dict(end=max_epochs)
default_hooks = dict(logger=dict(interval=1))
"""
    path = tmp_path / f'tiny_{max_epochs}e.py'
    path.write_text(text)
    return str(path)


def _run(args, cwd, extra_env=None):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    env.update(extra_env or {})
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def _logged_map(log_text):
    found = re.findall(r'multi-label/mAP: ([0-9.]+)', log_text)
    assert found, log_text[-3000:]
    return float(found[-1])


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp('digits') / 'digit_scenes')


def test_train_test_resume_round_trip(tmp_path, data_root):
    cfg = _write_config(tmp_path, data_root, max_epochs=2)
    work = tmp_path / 'work'
    py = sys.executable
    out = _run([py, 'tools/train.py', cfg, '--work-dir', str(work)], REPO)
    assert 'Epoch(val) [2]' in out
    ckpt2 = work / 'epoch_2.pth'
    assert ckpt2.is_file() and (work / 'epoch_1.pth').is_file()
    # Loads with PyTorch's safe default (weights_only=True) once mmmlc is
    # imported.
    import mmmlc  # noqa: F401
    state = torch.load(ckpt2, map_location='cpu')
    assert state['meta']['epoch'] == 2

    # test.py: the metrics it logs are the metrics of the scores it writes.
    preds = tmp_path / 'preds.npz'
    out = _run([
        py, 'tools/test.py', cfg,
        str(ckpt2), '--work-dir',
        str(tmp_path / 'test'), '--out',
        str(preds)
    ], REPO)
    logged = _logged_map(out)
    dump = np.load(preds)
    assert dump['scores'].shape == (24, 10)
    assert dump['targets'].shape == (24, 10)
    assert set(np.unique(dump['targets'])) <= {-1, 0, 1}
    assert len(dump['img_paths']) == 24
    assert list(dump['classes']) == [str(i) for i in range(10)]
    from mmmlc.evaluation.functional import mean_average_precision
    recomputed = mean_average_precision(dump['scores'], dump['targets'])[0]
    assert recomputed * (100 if recomputed <= 1 else 1) == pytest.approx(
        logged, abs=0.011)

    # dist_test.sh on 2 CPU processes: the same metrics as one process.
    out = _run(['bash', 'tools/dist_test.sh', cfg,
                str(ckpt2), '2', '--work-dir',
                str(tmp_path / 'dist_test')], REPO,
               {'PORT': str(_free_port())})
    assert 'Distributed training: True' in out
    assert _logged_map(out) == pytest.approx(logged, abs=1e-3)

    # Resume: drop epoch 2, resume from epoch 1 and train epoch 2 again. The
    # seeded run must land on the same weights as the uninterrupted one.
    resumed = tmp_path / 'resumed'
    resumed.mkdir()
    shutil.copy(work / 'epoch_1.pth', resumed / 'epoch_1.pth')
    (resumed / 'last_checkpoint').write_text(str(resumed / 'epoch_1.pth'))
    out = _run([py, 'tools/train.py', cfg, '--work-dir',
                str(resumed), '--resume'], REPO)
    assert 'resumed epoch: 1' in out.lower() or 'resumed epoch 1' in out
    again = torch.load(resumed / 'epoch_2.pth', map_location='cpu')
    assert again['meta']['epoch'] == 2
    for key, value in state['state_dict'].items():
        torch.testing.assert_close(
            again['state_dict'][key], value, rtol=1e-4, atol=1e-5,
            msg=lambda m, k=key: f'{k}: {m}')


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_dist_train_two_cpu_processes(tmp_path, data_root):
    cfg = _write_config(tmp_path, data_root, max_epochs=1)
    work = tmp_path / 'dist'
    out = _run(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir',
                str(work)], REPO, {'PORT': str(_free_port())})
    assert 'Distributed training: True' in out
    assert re.search(r'GPU number: 2|world_size.{0,4}2', out), out[-3000:]
    assert (work / 'epoch_1.pth').is_file()
    # Each of the 2 ranks sees half of the 48 images per epoch: 2 iters of 16
    # (the DefaultSampler pads to an even split).
    assert 'Epoch(train) [1][2/2]' in out

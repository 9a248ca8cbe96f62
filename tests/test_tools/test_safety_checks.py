"""No silent wrong results (issue 19 items 1-7), through ``tools/``.

One tiny DigitScenes run (1 epoch) gives the checkpoint the checks use; each
test then runs ``tools/train.py`` or ``tools/test.py`` in a subprocess and
asserts the error names the file, work dir or keys at fault.
"""
import argparse
import os
import os.path as osp
import re
import shutil
import socket
import subprocess
import sys

import pytest
import torch

import mmmlc  # noqa: F401  (allow-lists mmengine checkpoint objects)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    REPO, 'configs', 'quickstart',
    'baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')

pytestmark = pytest.mark.e2e


def write_config(folder, data_root, extra=''):
    """A 1-epoch quick-start config on 48/24/24 DigitScenes images."""
    loader = ('num_workers=0, persistent_workers=False, batch_size={bs}, '
              f'dataset=dict(data_root={data_root!r}, num_train=48, '
              'num_val=24, num_test=24)')
    text = f"""
_base_ = [{QUICKSTART!r}]
train_dataloader = dict({loader.format(bs=16)})
val_dataloader = dict({loader.format(bs=24)})
test_dataloader = dict({loader.format(bs=24)})
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = dict(end=1)
default_hooks = dict(logger=dict(interval=1))
{extra}
"""
    path = osp.join(str(folder), f'tiny_{abs(hash(extra))}.py')
    with open(path, 'w') as f:
        f.write(text)
    return path


def run_tool(args, expect_ok=True):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable] + args, cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert (proc.returncode == 0) == expect_ok, out[-4000:]
    return out


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """(config, data root, work dir, checkpoint) of a 1-epoch run."""
    root = tmp_path_factory.mktemp('safety')
    data_root = str(root / 'digit_scenes')
    cfg = write_config(root, data_root)
    work = str(root / 'work')
    run_tool(['tools/train.py', cfg, '--work-dir', work])
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    # Saved through AtomicCheckpointHook: no temporary file is left over.
    assert not [n for n in os.listdir(work) if n.endswith('.tmp')]
    return cfg, data_root, work, ckpt


def test_resume_with_nothing_to_resume_names_the_work_dir(tmp_path, trained):
    cfg = trained[0]
    empty = str(tmp_path / 'empty_work')
    out = run_tool(['tools/train.py', cfg, '--work-dir', empty, '--resume'],
                   expect_ok=False)
    assert f'nothing to resume in the work dir {empty}' in out
    assert 'resumed from None' not in out.lower()
    missing = str(tmp_path / 'no_such.pth')
    out = run_tool(['tools/train.py', cfg, '--work-dir', empty, '--resume',
                    missing], expect_ok=False)
    assert f'--resume {missing}: no such checkpoint file' in out
    assert not osp.exists(osp.join(empty, 'epoch_1.pth'))


def test_refused_pickle_names_the_file_and_the_conversion(tmp_path, trained):
    cfg, _, _, ckpt = trained
    state = torch.load(ckpt, map_location='cpu')
    state['meta']['extra'] = argparse.Namespace(a=1)
    unsafe = str(tmp_path / 'unsafe.pth')
    torch.save(state, unsafe)
    out = run_tool(['tools/test.py', cfg, unsafe, '--work-dir',
                    str(tmp_path / 't1')], expect_ok=False)
    assert f'{unsafe}: the checkpoint holds Python objects that mmmlc ' \
        'does not load, for safety' in out
    assert 'it refers to argparse.Namespace' in out
    assert 'trusted_to_weights_only.py' in out
    assert '--allow argparse.Namespace' in out
    # The conversion the message gives makes a file that tests.
    safe = str(tmp_path / 'safe.pth')
    out = run_tool(['tools/model_converters/trusted_to_weights_only.py',
                    unsafe, safe], expect_ok=False)
    assert 'refers to argparse.Namespace' in out
    assert not osp.exists(safe)
    assert '--allow argparse.Namespace' in out
    run_tool(['tools/model_converters/trusted_to_weights_only.py', unsafe,
              safe, '--allow', 'argparse.Namespace'])
    converted = torch.load(safe, map_location='cpu', weights_only=True)
    assert converted['meta']['extra'] is None
    assert converted['meta']['dataset_meta']['classes'] == list(
        state['meta']['dataset_meta']['classes'])
    out = run_tool(['tools/test.py', cfg, safe, '--work-dir',
                    str(tmp_path / 't2')])
    assert 'multi-label/mAP' in out


def test_empty_image_is_named(tmp_path, trained):
    cfg, data_root, _, ckpt = trained
    copy = str(tmp_path / 'digit_scenes')
    shutil.copytree(data_root, copy)
    with open(osp.join(copy, 'ImageSets', 'Main', 'test.txt')) as f:
        name = f.read().split()[0]
    image = osp.join(copy, 'JPEGImages', f'{name}.jpg')
    open(image, 'wb').close()
    out = run_tool(['tools/test.py', cfg, ckpt, '--work-dir',
                    str(tmp_path / 'test'), '--cfg-options',
                    f'test_dataloader.dataset.data_root={copy}'],
                   expect_ok=False)
    assert f'{image}: empty file (0 bytes)' in out


def _logged_map(out):
    found = re.findall(r'multi-label/mAP: ([0-9.]+)', out)
    assert found, out[-3000:]
    return float(found[-1])


def test_class_order_is_checked_and_remapped_by_name(tmp_path, trained):
    cfg, data_root, _, ckpt = trained
    reversed_cfg = write_config(
        tmp_path, data_root, "test_dataloader['dataset']['metainfo'] = "
        'dict(classes=[str(i) for i in range(9, -1, -1)])')
    out = run_tool(['tools/test.py', reversed_cfg, ckpt, '--work-dir',
                    str(tmp_path / 'a')], expect_ok=False)
    saved = str([str(i) for i in range(10)])
    wanted = str([str(i) for i in range(9, -1, -1)])
    assert f'{ckpt} was trained with the classes {saved}, but the test ' \
        f'dataset has {wanted} (same names in another order' in out
    # Remapped by name, the reversed data scores what the original does.
    remapped = _logged_map(run_tool([
        'tools/test.py', reversed_cfg, ckpt, '--work-dir',
        str(tmp_path / 'b'), '--cfg-options',
        'default_hooks.checkpoint_check.remap_classes_by_name=True'
    ]))
    original = _logged_map(run_tool(['tools/test.py', cfg, ckpt,
                                     '--work-dir', str(tmp_path / 'c')]))
    assert remapped == pytest.approx(original, abs=1e-3)


def test_wrong_head_size_at_test_names_the_keys(tmp_path, trained):
    cfg, data_root, _, ckpt = trained
    wide = write_config(tmp_path, data_root,
                        'model = dict(head=dict(num_classes=20))')
    out = run_tool(['tools/test.py', wide, ckpt, '--work-dir',
                    str(tmp_path / 'a')], expect_ok=False)
    assert f'{ckpt} does not fit the model for test' in out
    assert "head.fc.weight (10, 512) in the file vs (20, 512) in the " \
        'model' in out
    assert 'multi-label/mAP:' not in out


def test_missing_key_at_resume_names_the_key(tmp_path, trained):
    cfg, _, _, ckpt = trained
    state = torch.load(ckpt, map_location='cpu')
    del state['state_dict']['head.fc.bias']
    partial = str(tmp_path / 'partial.pth')
    torch.save(state, partial)
    out = run_tool(['tools/train.py', cfg, '--work-dir',
                    str(tmp_path / 'w'), '--resume', partial],
                   expect_ok=False)
    assert f"{partial} does not fit the model for resume: 1 missing keys " \
        "['head.fc.bias']" in out


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def test_ddp_validation_equals_the_saved_model(tmp_path, trained):
    cfg = trained[0]
    work = str(tmp_path / 'dist')
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1',
               PORT=str(_free_port()))
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert 'Distributed training: True' in out
    logged_val = _logged_map(out)
    # The saved model, tested in one process on the same (val) split.
    out = run_tool(['tools/test.py', cfg, osp.join(work, 'epoch_1.pth'),
                    '--work-dir', str(tmp_path / 'test'), '--cfg-options',
                    'test_dataloader.dataset.split=val'])
    assert _logged_map(out) == pytest.approx(logged_val, abs=1e-3)


def _limit_file_size(limit):
    """``preexec_fn``: files over ``limit`` bytes fail with EFBIG.

    A real write failure, as on a full disk: the kernel refuses the bytes
    past the limit. SIGXFSZ is ignored so the write raises instead of the
    process being killed.
    """
    def apply():
        import resource
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_failed_checkpoint_write_names_path_and_bytes(tmp_path, trained):
    cfg = trained[0]
    work = str(tmp_path / 'full')
    # Over the logs, config dump and scalars (kilobytes), under the
    # checkpoint (ResNet-18 with its AdamW state: over 100 MB).
    limit = 8 * 2**20
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', cfg, '--work-dir', work],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
        preexec_fn=_limit_file_size(limit))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    target = osp.join(work, 'epoch_1.pth')
    found = re.search(rf'could not write {re.escape(target)}: (\d+) bytes '
                      r'needed, \d+ bytes free in ', out)
    assert found, out[-3000:]
    assert int(found.group(1)) > limit
    # The reference run's checkpoint has the size the message gives.
    assert int(found.group(1)) == pytest.approx(
        osp.getsize(trained[3]), rel=0.01)
    assert 'File too large' in out
    # No truncated checkpoint, no temporary file left behind.
    left = os.listdir(work)
    assert not [n for n in left if n.endswith('.pth') or '.tmp' in n], left
    assert not osp.exists(osp.join(work, 'last_checkpoint'))

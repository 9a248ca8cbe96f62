"""Issue 19 item 1 for heads loaded by a ``Pretrained`` init_cfg.

A fine-tune or probe config that initialises the model (or its head) from a
classifier checkpoint gets the checkpoint's class list checked against the
train dataset's, names and order, through ``tools/train.py``; a
self-supervised backbone-only checkpoint (no head, no classes) still
trains.
"""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401
from mmmlc.engine.hooks.init_checkpoint_classes import (find_head_inits,
                                                        permute_loaded_head)
from mmmlc.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    REPO, 'configs', 'quickstart',
    'baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')
DIGITS = [str(i) for i in range(10)]


def _model():
    cfg = Config.fromfile(QUICKSTART)
    init_default_scope('mmmlc')
    return MODELS.build(cfg.model)


def _save(path, classes=None, keep='', meta=True):
    torch.manual_seed(1)
    state = {k: v for k, v in _model().state_dict().items()
             if k.startswith(keep)}
    checkpoint = {'state_dict': state}
    if meta:
        checkpoint['meta'] = {'dataset_meta': {'classes': classes}}
    torch.save(checkpoint, path)
    return state


def _train(tmp_path, extra, name):
    data = ('num_workers=0, persistent_workers=False, batch_size=16, '
            f"dataset=dict(data_root={str(tmp_path / 'ds')!r}, num_train=32, "
            'num_val=16, num_test=16)')
    cfg = tmp_path / f'{name}.py'
    cfg.write_text(f"""
_base_ = [{QUICKSTART!r}]
train_dataloader = dict({data})
val_dataloader = dict({data})
test_dataloader = dict({data})
train_cfg = dict(max_epochs=1, val_interval=1)
param_scheduler = dict(end=1)
default_hooks = dict(logger=dict(interval=1))
{extra}
""")
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', str(cfg), '--work-dir',
         str(tmp_path / name)], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=600)
    return proc.returncode, proc.stdout + proc.stderr


def test_head_init_found_and_reordered_by_name(tmp_path):
    path = str(tmp_path / 'cls.pth')
    saved = _save(path, DIGITS[::-1])
    model = _model()
    model.init_cfg = dict(type='Pretrained', checkpoint=path)
    inits = find_head_inits(model)
    assert [i.classes for i in inits] == [DIGITS[::-1]]
    assert sorted(inits[0].head_tensors) == ['head.fc.bias', 'head.fc.weight']
    model.init_weights()
    order = list(range(9, -1, -1))
    assert permute_loaded_head(model, inits[0], order) == [
        'head.fc.weight', 'head.fc.bias'
    ]
    # Row i of the model's head is the checkpoint's row of class name i.
    weight = model.state_dict()['head.fc.weight']
    for i in range(10):
        assert torch.equal(weight[i], saved['head.fc.weight'][9 - i])
    # A backbone-only checkpoint (prefix backbone.) loads no head tensor.
    backbone_only = str(tmp_path / 'ssl.pth')
    _save(backbone_only, keep='backbone.', meta=False)
    model = _model()
    model.backbone.init_cfg = dict(type='Pretrained',
                                   checkpoint=backbone_only,
                                   prefix='backbone.')
    assert find_head_inits(model) == []


@pytest.mark.e2e
def test_train_checks_classes_of_an_init_cfg_head(tmp_path):
    reversed_ckpt = str(tmp_path / 'reversed.pth')
    _save(reversed_ckpt, DIGITS[::-1])
    init = f"dict(type='Pretrained', checkpoint={reversed_ckpt!r})"
    code, out = _train(tmp_path, f'model = dict(init_cfg={init})', 'whole')
    assert code != 0
    assert (f'{reversed_ckpt} (init_cfg of model) was trained with the '
            f'classes {DIGITS[::-1]}, but the train dataset has {DIGITS} '
            '(same names in another order') in out, out[-3000:]
    assert 'Epoch(train)' not in out

    # The head alone (prefix head.), a checkpoint with other names.
    letters = list('abcdefghij')
    other = str(tmp_path / 'letters.pth')
    _save(other, letters)
    head_init = (f"dict(type='Pretrained', checkpoint={other!r}, "
                 "prefix='head.')")
    code, out = _train(tmp_path, f'model = dict(head=dict(init_cfg='
                       f'{head_init}))', 'head')
    assert code != 0
    assert (f'{other} (init_cfg of model.head) was trained with the '
            f'classes {letters}, but the train dataset has {DIGITS} '
            '(other names)') in out, out[-3000:]

    # Remapped by name, the run trains and says what it reordered.
    code, out = _train(
        tmp_path, f'model = dict(init_cfg={init})\n'
        'default_hooks = dict(checkpoint_check=dict('
        'remap_classes_by_name=True))', 'remap')
    assert code == 0, out[-3000:]
    assert (f"{reversed_ckpt} (init_cfg of model) classes reordered by name "
            "to the dataset's order, in ['head.fc.weight', 'head.fc.bias']"
            ) in out

    # A self-supervised backbone-only checkpoint: no head, no classes.
    ssl = str(tmp_path / 'ssl.pth')
    _save(ssl, keep='backbone.', meta=False)
    code, out = _train(
        tmp_path, "model = dict(backbone=dict(init_cfg=dict(type="
        f"'Pretrained', checkpoint={ssl!r}, prefix='backbone.')))", 'ssl')
    assert code == 0, out[-3000:]
    assert 'was trained with the classes' not in out
    assert osp.isfile(tmp_path / 'ssl' / 'epoch_1.pth')

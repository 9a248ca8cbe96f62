"""Using a trained model through tools/: infer, fit thresholds, test, ONNX.

One tiny DigitScenes build and one short training (tools/train.py) feed all
tests; the tools other than train.py / test.py run in this process.
"""
import importlib.util
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    REPO, 'configs', 'quickstart',
    'baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')
SALGL = osp.join(REPO, 'configs', 'salgl',
                 'salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')
# MulCon's per-class classifiers (one einsum) behind the label attention.
MULCON = osp.join(REPO, 'configs', 'mulcon',
                  'mulcon-stage1_resnet18_1xb32-coslr-8e_digitscenes-64px.py')

pytestmark = pytest.mark.e2e


def _tool(relative):
    path = osp.join(REPO, 'tools', relative)
    spec = importlib.util.spec_from_file_location(
        'tool_' + osp.basename(relative)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_config(folder, base, data_root, schedule=True):
    sizes = 'num_train=48, num_val=24, num_test=24'
    loader = ('num_workers=0, persistent_workers=False, batch_size={bs}, '
              'dataset=dict(data_root={root!r}, {sizes})')
    text = f"""
_base_ = [{base!r}]
train_dataloader = dict({loader.format(bs=16, root=data_root, sizes=sizes)})
val_dataloader = dict({loader.format(bs=8, root=data_root, sizes=sizes)})
test_dataloader = dict({loader.format(bs=8, root=data_root, sizes=sizes)})
"""
    if schedule:  # a one-epoch run of a base with one scheduler
        text += 'train_cfg = dict(max_epochs=1, val_interval=1)\n'
        text += 'param_scheduler = dict(end=1)\n'
    path = folder / f'tiny_{osp.basename(base)}'
    path.write_text(text)
    return str(path)


def _run(args):
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """(config, checkpoint) of a one-epoch quick-start run."""
    folder = tmp_path_factory.mktemp('use_model')
    data_root = str(folder / 'digit_scenes')
    cfg = _write_config(folder, QUICKSTART, data_root)
    _run([sys.executable, 'tools/train.py', cfg, '--work-dir',
          str(folder / 'work')])
    return cfg, str(folder / 'work' / 'epoch_1.pth'), data_root


def test_fit_infer_and_test_agree(trained, tmp_path, capsys):
    cfg, ckpt, _ = trained
    assert _tool('analysis_tools/fit_thresholds.py').main([cfg, ckpt]) == 0
    printed = capsys.readouterr().out
    assert "Fitting on the val split: {'type': 'DigitScenesDataset'" in printed
    thresholds_file = ckpt[:-4] + '.thresholds.json'
    record = json.load(open(thresholds_file))
    assert record['split'] == 'val' and record['num_images'] == 24
    assert record['classes'] == [str(i) for i in range(10)]

    preds = tmp_path / 'preds.npz'
    log = _run([sys.executable, 'tools/test.py', cfg, ckpt, '--work-dir',
                str(tmp_path / 'test'), '--out', str(preds)])
    assert 'Testing with the RAW weights' in log
    dump = np.load(preds)

    # The inferencer on the same images gives test.py's scores.
    from mmmlc.apis import MultiLabelInferencer, load_thresholds
    inferencer = MultiLabelInferencer(cfg, ckpt)
    assert inferencer.thresholds_file == thresholds_file
    results = inferencer(list(dump['img_paths']), batch_size=5)
    scores = np.stack([r['pred_scores'] for r in results])
    np.testing.assert_allclose(scores, dump['scores'], atol=1e-5)
    thr = load_thresholds(thresholds_file)['thresholds']
    for res, row in zip(results, scores):
        assert res['pred_label'] == np.flatnonzero(row >= thr).tolist()

    # test.py reports CF1 at the fitted thresholds, as recomputed here.
    from mmmlc.evaluation import threshold_metrics
    logged = float(re.findall(r'fitted-thr/CF1: ([0-9.]+)', log)[-1])
    predicted = (dump['scores'] >= thr).astype(np.float32)
    expected = threshold_metrics(predicted, dump['targets'])['CF1'] * 100
    assert logged == pytest.approx(expected, abs=1e-3)


def test_fit_refuses_the_test_split(trained):
    cfg, ckpt, _ = trained
    with pytest.raises(ValueError, match='also its test split'):
        _tool('analysis_tools/fit_thresholds.py').main(
            [cfg, ckpt, '--out', os.devnull, '--cfg-options',
             'val_dataloader.dataset.split=test'])


def test_infer_tool_writes_jsonl_and_drawings(trained, tmp_path, capsys):
    cfg, ckpt, data_root = trained
    folder = tmp_path / 'inputs'
    folder.mkdir()
    for name in sorted(os.listdir(osp.join(data_root, 'JPEGImages')))[:3]:
        shutil.copy(osp.join(data_root, 'JPEGImages', name), folder / name)
    (folder / 'broken.jpg').write_bytes(b'\x00' * 10)
    out = tmp_path / 'preds.jsonl'
    code = _tool('infer.py').main([
        cfg, ckpt, str(folder), '--out', str(out), '--show-dir',
        str(tmp_path / 'show'), '--thresholds', 'none', '--topk', '2'
    ])
    assert code == 0
    assert 'Predicted 3 images, 1 unreadable' in capsys.readouterr().out
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 4
    assert lines[0]['path'].endswith('broken.jpg') and 'error' in lines[0]
    for line in lines[1:]:
        assert set(line) == {'path', 'labels', 'scores'}
        assert len(line['scores']) == 10 and len(line['labels']) == 2
        ranked = sorted(line['scores'], key=line['scores'].get)
        assert sorted(line['labels']) == sorted(ranked[-2:])
    assert len(os.listdir(tmp_path / 'show')) == 3


@pytest.mark.parametrize('model', ['quickstart', 'salgl', 'mulcon'])
def test_onnx_parity(trained, tmp_path, capsys, model):
    pytest.importorskip('onnxruntime')
    cfg, ckpt, data_root = trained
    args = []
    if model in ('salgl', 'mulcon'):
        # Parity needs no training: random weights with class names.
        from mmengine.config import Config
        from mmengine.registry import init_default_scope

        from mmmlc.registry import MODELS
        cfg = _write_config(tmp_path, dict(salgl=SALGL, mulcon=MULCON)[model],
                            data_root, schedule=False)
        init_default_scope('mmmlc')
        torch.manual_seed(0)
        net = MODELS.build(Config.fromfile(cfg).model)
        net.init_weights()
        ckpt = str(tmp_path / f'{model}.pth')
        torch.save(dict(state_dict=net.state_dict(),
                        meta=dict(dataset_meta=dict(
                            classes=[str(i) for i in range(10)]))), ckpt)
    else:
        args = ['--logits']
    out = tmp_path / 'model.onnx'
    code = _tool('deployment/export_onnx.py').main(
        [cfg, ckpt, '--out', str(out), '--num-images', '3'] + args)
    printed = capsys.readouterr().out
    assert code == 0, printed
    diff = float(re.findall(r'max abs difference ([0-9.e+-]+)', printed)[0])
    assert diff < 1e-4
    assert (tmp_path / 'model.classes.txt').read_text().split() == [
        str(i) for i in range(10)]
    import onnx
    graph = onnx.load(str(out)).graph
    assert graph.input[0].type.tensor_type.shape.dim[0].dim_param == 'batch'


def test_cam_tool_writes_a_grid(trained, tmp_path, capsys):
    pytest.importorskip('pytorch_grad_cam')
    cfg, ckpt, data_root = trained
    images = osp.join(data_root, 'JPEGImages')
    out = tmp_path / 'cams.png'
    code = _tool('analysis_tools/class_activation_maps.py').main(
        [cfg, ckpt, images, '--out', str(out), '--max-images', '2',
         '--classes', '3,7'])
    assert code == 0
    assert 'Wrote' in capsys.readouterr().out
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'

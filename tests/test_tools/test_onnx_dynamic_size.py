"""Issue 21: ONNX export with a dynamic input height and width.

The quick-start model and the SALGL DigitScenes model (random weights with
class names: parity needs no training) export with dynamic batch, height
and width; the tool's parity check runs at 64 x 64 (the test pipeline's)
and at 96 x 96, both under 1e-4, and the exported graph itself runs at a
third size. A model that computes sizes in Python (SALGL with
``position_encoding=True``) is refused with the advice to pass
``--fixed-size``, with which it exports.
"""
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401
from mmmlc.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    quickstart=osp.join(
        REPO, 'configs', 'quickstart',
        'baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py'),
    salgl=osp.join(REPO, 'configs', 'salgl',
                   'salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py'))

pytest.importorskip('onnxruntime')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp('onnx') / 'digit_scenes')


def _setup(tmp_path, data_root, name, extra=''):
    cfg = tmp_path / f'{name}.py'
    cfg.write_text(f"""
_base_ = [{CONFIGS[name]!r}]
test_dataloader = dict(num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, num_train=4, num_val=2,
                 num_test=4))
{extra}
""")
    init_default_scope('mmmlc')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(cfg)).model)
    model.init_weights()
    ckpt = tmp_path / f'{name}.pth'
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(
                        classes=[str(i) for i in range(10)]))), ckpt)
    return str(cfg), str(ckpt), model.eval()


@pytest.mark.parametrize('name', ['quickstart', 'salgl'])
def test_dynamic_size_parity_at_two_sizes(tmp_path, data_root, capsys,
                                          load_tool, name):
    cfg, ckpt, model = _setup(tmp_path, data_root, name)
    out = str(tmp_path / 'model.onnx')
    code = load_tool('tools/deployment/export_onnx.py').main(
        [cfg, ckpt, '--out', out, '--num-images', '3'])
    printed = capsys.readouterr().out
    assert code == 0, printed
    checks = re.findall(r'Parity on 3 images of (\d+) x (\d+), .* max abs '
                        r'difference ([0-9.e+-]+)', printed)
    assert [c[:2] for c in checks] == [('64', '64'), ('96', '96')], printed
    assert all(float(c[2]) < 1e-4 for c in checks), printed
    import onnx
    dims = onnx.load(out).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param for d in dims] == ['batch', '', 'height', 'width']
    # The graph at a third, non-square size against PyTorch's logits path.
    from mmmlc.apis.onnx_export import DeployedClassifier, onnx_scores
    images = torch.rand(2, 3, 80, 112) * 255
    with torch.no_grad():
        want = DeployedClassifier(model)(images).numpy()
    got = onnx_scores(out, images.numpy())
    assert got.shape == (2, 10)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)


def test_fixed_size_model_is_refused_then_exports_fixed(
        tmp_path, data_root, capsys, load_tool):
    cfg, ckpt, _ = _setup(tmp_path, data_root, 'salgl',
                          'model = dict(neck=dict(position_encoding=True))')
    out = str(tmp_path / 'pos.onnx')
    tool = load_tool('tools/deployment/export_onnx.py')
    with pytest.raises(SystemExit, match=r'cannot export with a dynamic '
                       r'input size: model\.neck \(SceneLabelGraphNeck\) '
                       r'computes its position encoding .*--fixed-size'):
        tool.main([cfg, ckpt, '--out', out])
    code = tool.main([cfg, ckpt, '--out', out, '--fixed-size',
                      '--num-images', '2'])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert len(re.findall('Parity on 2 images of 64 x 64', printed)) == 1
    import onnx
    dims = onnx.load(out).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims[1:]] == [3, 64, 64]

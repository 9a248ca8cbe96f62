"""Issue 21: the CAM tool shows a CAMHead model's own class maps.

A tiny OASS-style classifier (ResNet-18 without pooling + CAMHead, random
weights) on a few DigitScenes images: the tool's maps equal
``CAMHead.get_cams`` of the model's class maps resized to the image, and
``--method gradcam`` still forces Grad-CAM.
"""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401
from mmmlc.models.heads import CAMHead
from mmmlc.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    REPO, 'configs', 'quickstart',
    'baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')

pytest.importorskip('pytorch_grad_cam')


@pytest.fixture(scope='module')
def cam_head_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp('cam_head')
    data_root = str(folder / 'digit_scenes')
    cfg_path = folder / 'cam_head.py'
    cfg_path.write_text(f"""
_base_ = [{QUICKSTART!r}]
model = dict(neck=None, head=dict(_delete_=True, type='CAMHead',
                                  num_classes=10, in_channels=512))
test_dataloader = dict(num_workers=0, persistent_workers=False,
    dataset=dict(data_root={data_root!r}, num_train=4, num_val=2, num_test=4))
""")
    cfg = Config.fromfile(str(cfg_path))
    init_default_scope('mmmlc')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    ckpt = str(folder / 'cam_head.pth')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(
                        classes=[str(i) for i in range(10)]))), ckpt)
    from mmmlc.registry import DATASETS
    data = DATASETS.build(cfg.test_dataloader.dataset)
    return str(cfg_path), ckpt, model.eval(), data


def test_tool_map_is_the_cam_heads_own(cam_head_model, tmp_path, capsys,
                                       load_tool):
    cfg, ckpt, model, data = cam_head_model
    assert isinstance(model.head, CAMHead)
    paths = [data.get_data_info(i)['img_path'] for i in range(3)]
    saved = tmp_path / 'maps.npz'
    tool = load_tool('tools/analysis_tools/class_activation_maps.py')
    code = tool.main([cfg, ckpt, *paths, '--out', str(tmp_path / 'c.png'),
                      '--classes', '3,7', '--save-maps', str(saved)])
    assert code == 0
    assert '(head)' in capsys.readouterr().out
    got = np.load(saved)
    assert list(got['img_paths']) == paths
    # Expected through the model's own preprocessor and head.
    batch = default_collate([data[i] for i in range(3)])
    with torch.no_grad():
        inputs = model.data_preprocessor(batch, False)['inputs']
        class_maps = model.head.class_maps(model.extract_feat(inputs))
        want = CAMHead.get_cams(class_maps, size=tuple(inputs.shape[-2:]))
    assert want.shape == (3, 10, 64, 64)
    for i in range(3):
        assert list(got[f'class_indices_{i}']) == [3, 7]
        np.testing.assert_allclose(got[f'maps_{i}'], want[i, [3, 7]].numpy(),
                                   rtol=0, atol=1e-5)
        # Not a constant map: the comparison sees the head's structure.
        assert got[f'maps_{i}'].max() > 0.9
        assert got[f'maps_{i}'].std() > 0.05

    # --method gradcam forces Grad-CAM: another map.
    forced = tmp_path / 'forced.npz'
    code = tool.main([cfg, ckpt, paths[0], '--out', str(tmp_path / 'g.png'),
                      '--classes', '3,7', '--save-maps', str(forced),
                      '--method', 'gradcam'])
    assert code == 0
    assert '(gradcam)' in capsys.readouterr().out
    assert np.abs(np.load(forced)['maps_0'] - got['maps_0']).max() > 0.05


def test_head_method_needs_a_cam_head():
    from mmmlc.visualization.class_activation_maps import resolve_method
    init_default_scope('mmmlc')
    model = MODELS.build(Config.fromfile(QUICKSTART).model)
    assert resolve_method(model, 'auto') == 'gradcam'
    with pytest.raises(ValueError, match="'head' needs a model with a "
                       'CAMHead, this one has MultiLabelLinearClsHead'):
        resolve_method(model, 'head')

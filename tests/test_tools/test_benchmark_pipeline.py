"""tools/analysis_tools/benchmark_pipeline.py and its library."""
import os.path as osp
import sys

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from mmmlc.utils.pipeline_benchmark import (image_folder_infos,
                                            plain_pipeline_cfg,
                                            reference_method)
from mmmlc.utils.reference_pipelines import ReferencePipeline

ROOT = osp.join(osp.dirname(__file__), '..', '..')
OBJOBJ = osp.join(ROOT, 'configs', 'objcrop', 'mocov2-objobj-dilate0.2_'
                  'resnet50_1xb128-coslr-200e_ohms-224px.py')
PIPELINES = osp.join(ROOT, 'configs', '_base_', 'pipelines')


def _jpegs(folder, num=3, size=(96, 72)):
    rng = np.random.default_rng(0)
    for i in range(num):
        Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3),
                                     dtype=np.uint8)).save(
                                         folder / f'{i}.jpg')
    return str(folder)


def test_reference_method_of_each_pipeline():
    views = Config.fromfile(osp.join(PIPELINES, 'mocov2_views.py'))
    assert reference_method(views.objobj_pipeline) == 'objcrop'
    assert reference_method(views.scene_pipeline) == 'scene'
    swav = Config.fromfile(osp.join(PIPELINES, 'swav_mcrop.py'))
    assert reference_method(swav.train_pipeline) == 'swav'
    salgl = Config.fromfile(osp.join(PIPELINES, 'salgl_randaug-448px.py'))
    assert reference_method(salgl.train_pipeline) == 'salgl'
    with pytest.raises(ValueError, match='No reference-style'):
        reference_method([dict(type='LoadImageFromFile')])


def test_plain_pipeline_switches_every_fast_step_off():
    swav = Config.fromfile(osp.join(PIPELINES, 'swav_mcrop.py'))
    plain = plain_pipeline_cfg(swav.train_pipeline)
    switches = []

    def walk(node):
        if isinstance(node, dict):
            if str(node.get('type', '')).startswith(('Fast', 'LoadImageF')):
                switches.append(node['fast'])
            [walk(v) for v in node.values()]
        elif isinstance(node, list):
            [walk(v) for v in node]

    walk(plain)
    # load + 2 views x (crop, grayscale, blur, jitter)
    assert switches == [False] * 9
    walk(swav.train_pipeline)
    assert switches[9:] == [True] * 9


def test_image_folder_infos_boxes_inside_images(tmp_path):
    infos = image_folder_infos(_jpegs(tmp_path))
    assert [osp.basename(i['img_path']) for i in infos] == [
        '0.jpg', '1.jpg', '2.jpg']
    for info in infos:
        boxes = info['gt_bboxes']
        assert boxes.dtype == np.float32 and 1 <= len(boxes) <= 3
        assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 96).all()
        assert (boxes[:, 3] <= 72).all() and (boxes[:, 2:] > boxes[:, :2]).all()
    with pytest.raises(FileNotFoundError, match='empty'):
        (tmp_path / 'empty').mkdir()
        image_folder_infos(str(tmp_path / 'empty'))


def test_reference_objcrop_gives_two_normalised_views(tmp_path):
    info = image_folder_infos(_jpegs(tmp_path, 1, (320, 240)))[0]
    out = ReferencePipeline('objcrop')(info)
    assert [tuple(v.shape) for v in out['inputs']] == [(3, 224, 224)] * 2
    assert out['inputs'][0].dtype.is_floating_point


@pytest.mark.e2e
def test_tool_prints_rates_and_ratios(tmp_path, capsys):
    sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
    try:
        from benchmark_pipeline import main
    finally:
        sys.path.pop(0)
    result = main([OBJOBJ, '--images', _jpegs(tmp_path, 2, (320, 240)),
                   '--no-loader', '--compare', 'reference', 'plain',
                   '--rounds', '1', '--samples', '2'])
    assert set(result) == {'ours', 'ours-plain', 'reference-objcrop',
                           'ratio'}
    assert all(v[0] > 0 for k, v in result.items() if k != 'ratio')
    printed = capsys.readouterr().out
    assert 'ratio ours / reference-objcrop' in printed
    # Through a DataLoader (fresh workers per contender and round).
    result = main([OBJOBJ, '--images', str(tmp_path), '--num-workers', '1',
                   '--batch-size', '2', '--compare', 'reference',
                   '--rounds', '1', '--samples', '2'])
    assert set(result) == {'ours', 'reference-objcrop', 'ratio'}

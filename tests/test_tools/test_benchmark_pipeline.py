"""tools/analysis_tools/benchmark_pipeline.py and its library."""
import os.path as osp
import random
import sys

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from mmmlc.utils.pipeline_benchmark import (image_folder_infos,
                                            oass_reference_args,
                                            plain_pipeline_cfg,
                                            reference_method)
from mmmlc.utils.reference_pipelines import (IMAGENET_MEAN, IMAGENET_STD,
                                             PuzzleCAMView, ReferencePipeline)

ROOT = osp.join(osp.dirname(__file__), '..', '..')
OBJOBJ = osp.join(ROOT, 'configs', 'objcrop', 'mocov2-objobj-dilate0.2_'
                  'resnet50_1xb128-coslr-200e_ohms-224px.py')
PIPELINES = osp.join(ROOT, 'configs', '_base_', 'pipelines')
OASS_VOC = osp.join(ROOT, 'configs', 'oass',
                    'oass_resnet101_4xb8-poly-15e_voc12aug-512px.py')
OASS_DIGITS = osp.join(ROOT, 'configs', 'oass',
                       'oass_resnet18_4xb8-poly-6e_digitscenes-64px.py')


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
    for config in (OASS_VOC, OASS_DIGITS):
        cfg = Config.fromfile(config)
        assert reference_method(cfg.train_dataloader.dataset.pipeline) == (
            'oass')
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


def test_oass_reference_reads_the_config():
    """docs/reference/oass.md (Data): long side 320-640, flip, 512 crop;
    the DigitScenes recipe: long side 40-80 of 80, no flip, 64 crop."""
    voc = Config.fromfile(OASS_VOC).train_dataloader.dataset.pipeline
    assert oass_reference_args(voc) == dict(
        long_side=(320, 640), crop_size=512, flip=True)
    digits = Config.fromfile(OASS_DIGITS).train_dataloader.dataset.pipeline
    assert oass_reference_args(digits) == dict(
        long_side=(40, 80), crop_size=64, flip=False)
    with pytest.raises(ValueError, match='square scale'):
        oass_reference_args([dict(type='RandomResize', scale=(640, 480),
                                  ratio_range=(0.5, 1.0), keep_ratio=True)])


def test_puzzlecam_view_resizes_pads_and_crops(tmp_path):
    """A 100 x 50 image, long side 40: resized to 40 x 20, then a 32 crop:
    the columns cropped at a random offset, the 20 rows placed at a random
    offset on a zero canvas."""
    rng = np.random.default_rng(1)
    img = Image.fromarray(rng.integers(0, 256, (50, 100, 3), np.uint8))
    view = PuzzleCAMView(long_side=(40, 40), crop_size=32, flip=False)
    random.seed(3)
    out = view(img).numpy()
    random.seed(3)
    assert random.randint(40, 40) == 40
    dst_y, src_x = random.randint(0, 32 - 20), random.randint(0, 40 - 32)
    resized = np.asarray(img.resize((40, 20), Image.BICUBIC), np.float32)
    expected = (resized / 255. - IMAGENET_MEAN) / IMAGENET_STD
    assert out.shape == (3, 32, 32)
    np.testing.assert_allclose(
        out[:, dst_y:dst_y + 20].transpose(1, 2, 0),
        expected[:, src_x:src_x + 32], atol=1e-5)
    rest = np.delete(out, np.s_[dst_y:dst_y + 20], axis=1)
    assert rest.size == 3 * 12 * 32 and (rest == 0).all()
    # Seed 4 draws a flip (random() = 0.303 < 0.5): the content mirrors.
    flipped = PuzzleCAMView((40, 40), 32, flip=True)
    random.seed(4)
    out = flipped(img).numpy()
    random.seed(4)
    assert random.randint(40, 40) == 40 and random.random() < 0.5
    dst_y, src_x = random.randint(0, 12), random.randint(0, 8)
    np.testing.assert_allclose(
        out[:, dst_y:dst_y + 20].transpose(1, 2, 0),
        expected[:, ::-1][:, src_x:src_x + 32], atol=1e-5)


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
    # The OASS stage-1 row of docs/benchmarks.md.
    result = main([OASS_DIGITS, '--images', str(tmp_path), '--no-loader',
                   '--compare', 'reference', '--rounds', '1',
                   '--samples', '2'])
    assert set(result) == {'ours', 'reference-oass', 'ratio'}

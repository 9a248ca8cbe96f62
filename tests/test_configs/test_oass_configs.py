"""configs/oass: the ablation switches, the OASS training view, and the
bad-input errors of the VOC 2012 recipe."""
import glob
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401
from mmmlc.registry import DATASETS, MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ALL_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'oass', '*.py')))
CSI_CONFIGS = [p for p in ALL_CONFIGS if 'oass-csi' in osp.basename(p)]
CONFIGS = [p for p in ALL_CONFIGS if p not in CSI_CONFIGS]  # stage 1
ROWS = {  # prefix -> (aux, tiling, tile_weight)
    'camcls': ('none', None, None),
    'puzzlecam': ('tiles', 'grid', 0.),
    'oass-notile': ('tiles', 'object_aware', 0.),
    'oass': ('tiles', 'object_aware', 1.),
    'oass-rotation': ('rotation', None, None),
}


def _load(path):
    return Config.fromfile(path)


def test_every_config_names_its_row_and_builds():
    assert len(CONFIGS) == 15
    init_default_scope('mmmlc')
    for path in CONFIGS:
        name = osp.basename(path)
        cfg = _load(path)
        aux, tiling, weight = ROWS[name.split('_')[0]]
        assert cfg.model.aux == aux, name
        if tiling is not None:
            assert (cfg.model.tiling, cfg.model.tile_weight) == (tiling,
                                                                 weight)
        if 'digitscenes' in name:
            MODELS.build(cfg.model)  # VOC ones need the local weights file
        hooks = {h['type'] for h in cfg.custom_hooks}
        assert {'OASSProgressHook', 'SplitHygieneHook'} <= hooks, name
        if 'voc12aug' in name:
            assert cfg.train_dataloader.dataset.ann_file.endswith(
                'Segmentation/train_aug.txt')
            assert cfg.val_dataloader.dataset.ann_file.endswith(
                'Segmentation/val.txt')
            assert 'CAMmIoU' in {e['type'] for e in cfg.val_evaluator}
        elif 'voc12' in name:
            assert cfg.train_dataloader.dataset.ann_file.endswith(
                'Main/train.txt')


def test_stage5_configs_name_their_fusion_row():
    """Rows 5 (global) and 6 (max) of the ablation, VOC Protocols A and B
    and DigitScenes; each the stage-5 model on CSIDataset."""
    assert len(CSI_CONFIGS) == 6
    for path in CSI_CONFIGS:
        name = osp.basename(path)
        cfg = _load(path)
        assert cfg.model.type == 'CSIMILClassifier', name
        assert cfg.model.fusion == name.split('_')[0].split('-')[-1], name
        assert cfg.train_dataloader.dataset.type == 'CSIDataset', name
        assert 'SplitHygieneHook' in {h['type'] for h in cfg.custom_hooks}


def test_voc_training_view_is_512_with_mean_padding():
    cfg = _load(osp.join(REPO, 'configs', 'oass',
                         'oass_resnet101_4xb8-poly-15e_voc12aug-512px.py'))
    init_default_scope('mmmlc')
    pipeline = Compose(cfg.train_pipeline[1:-1])  # no loading, no packing
    for _ in range(3):
        img = np.full((250, 400, 3), 7, np.uint8)  # long side 400
        out = pipeline(dict(img=img, img_shape=img.shape[:2],
                            ori_shape=img.shape[:2]))
        assert out['img'].shape == (512, 512, 3)
        # The resized image is at most 640 x 400, so padding is present.
        pad = np.all(out['img'] != 7, axis=-1)
        assert pad.any()
        np.testing.assert_allclose(out['img'][pad][0], (104, 116, 124),
                                   atol=1)


def test_voc_list_naming_a_missing_image_is_an_error(tmp_path):
    root = tmp_path / 'VOC2012'
    (root / 'Annotations').mkdir(parents=True)
    (root / 'JPEGImages').mkdir()
    (root / 'ImageSets' / 'Segmentation').mkdir(parents=True)
    (root / 'Annotations' / '2008_000001.xml').write_text(
        '<annotation><size><width>4</width><height>4</height></size>'
        '<object><name>dog</name><bndbox><xmin>1</xmin><ymin>1</ymin>'
        '<xmax>2</xmax><ymax>2</ymax></bndbox></object></annotation>')
    ids = root / 'ImageSets' / 'Segmentation' / 'train_aug.txt'
    ids.write_text('2008_000001\n')
    with pytest.raises(FileNotFoundError) as err:
        DATASETS.build(dict(type='VOCDataset', data_root=str(root),
                            ann_file='ImageSets/Segmentation/train_aug.txt'))
    assert '2008_000001.jpg' in str(err.value)

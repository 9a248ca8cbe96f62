"""The DigitScenes pretraining configs on OASS CAM boxes.

Their pipelines read a labelled proposals file (tools/oass/make_csi.py);
on a hand-written one they run on DigitScenes images and place the object
crops on its boxes.
"""
import copy
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

import mmmlc  # noqa: F401  (registries)
from mmmlc.datasets import DigitScenesDataset
from mmmlc.datasets.transforms import save_proposals
from mmmlc.registry import TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OBJCROP = osp.join(
    REPO, 'configs', 'objcrop',
    'mocov2-objobj-dilate0.2-cambox_resnet18_1xb64-coslr-10e_digitscenes-'
    '64px.py')
GAELLE = osp.join(
    REPO, 'configs', 'gaelle',
    'gaelle-objlocal-cambox_resnet18_1xb64-mcrop-coslr-5e_digitscenes-'
    '64px-32px.py')
# A 12 x 12 box in the top-left corner: far from where uniform crops fall.
BOX = [2., 3., 14., 15.]


@pytest.fixture(scope='module')
def digits(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('cambox')
    dataset = DigitScenesDataset(data_root=str(tmp / 'digits'),
                                 split='train', num_train=3, num_val=1,
                                 num_test=1)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    path = str(tmp / 'boxes.npz')
    save_proposals(path, {
        osp.basename(info['img_path']): dict(
            boxes=[BOX], scores=[0.9], labels=[int(info['gt_label'][0])],
            width=128, height=128)
        for info in infos
    }, classes=[str(d) for d in range(10)])
    return infos, path


def _pipeline(config, proposal_file):
    cfg = Config.fromfile(config)
    init_default_scope(cfg.default_scope)
    pipeline = copy.deepcopy(cfg.train_dataloader.dataset.pipeline)
    loads = [t for t in pipeline if t['type'] == 'LoadProposals']
    assert len(loads) == 1 and loads[0]['proposal_file'] == \
        'work_dirs/oass_cams/digitscenes_train_boxes.npz'
    assert loads[0]['classes'] == [str(d) for d in range(10)]
    loads[0]['proposal_file'] = proposal_file
    return pipeline


def _intersects(crop, box):
    return (crop[0] < box[2] and box[0] < crop[2] and crop[1] < box[3]
            and box[1] < crop[3])


def test_objcrop_on_cam_boxes(digits):
    infos, path = digits
    pipeline = _pipeline(OBJCROP, path)
    assert [t['type'] for t in pipeline[:3]] == [
        'LoadImageFromFile', 'LoadProposals', 'SelectObjectBox']
    assert pipeline[2]['box_source'] == 'proposals'
    head = Compose(pipeline[:3])
    for info in infos:
        out = head(copy.deepcopy(info))
        assert out['proposal_labels'].tolist() == [info['gt_label'][0]]
        assert out['object_box'].tolist() == BOX
        packed = Compose(pipeline)(copy.deepcopy(info))
        assert len(packed['inputs']) == 2
        assert all(v.shape == (3, 64, 64) for v in packed['inputs'])


def test_gaelle_objlocal_on_cam_boxes(digits):
    infos, path = digits
    pipeline = _pipeline(GAELLE, path)
    packed = Compose(pipeline)(copy.deepcopy(infos[0]))
    sizes = [tuple(v.shape) for v in packed['inputs']]
    assert sizes == [(3, 64, 64)] * 2 + [(3, 32, 32)] * 6
    # every local crop contains a point of the CAM box: a crop of 5-14 %
    # of the 128-px image placed uniformly would miss this corner box
    # most of the time.
    head = Compose(pipeline[:2])
    local = TRANSFORMS.build(pipeline[2]['transforms'][1][0])
    assert local.box_key == 'proposals'
    np.random.seed(0)
    for _ in range(20):
        out = local(head(copy.deepcopy(infos[0])))
        assert _intersects(out['crop_box'], BOX), out['crop_box']

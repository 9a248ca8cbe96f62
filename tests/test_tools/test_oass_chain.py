"""The whole OASS DigitScenes chain through tools/ with the real configs
(docs/methods/oass.md, the DigitScenes command sequence), a few
iterations per stage on a 16-image train split in a tmp dir:

1. stage 1 (tools/train.py, OASS) -> checkpoint;
2. tools/oass/make_cams.py on the train split -> one CAM file per image;
3. tools/oass/make_csi.py -> the labelled CAM-box proposals file;
4. stage 5 (CSI training from the stage-1 checkpoint on that file), then
   tools/test.py with max and global fusion;
5. the objcrop and GAELLE-objlocal pretraining configs on those CAM boxes.

Each stage's outputs are checked (keys, labels, classes, checkpoints,
printed metrics), not just the exit codes.
"""
import os
import os.path as osp
import re
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CSI = 'configs/oass/oass-csi-max_resnet18_1xb16-poly-1e_digitscenes-64px.py'
OBJCROP = ('configs/objcrop/mocov2-objobj-dilate0.2-cambox_resnet18_1xb64-'
           'coslr-10e_digitscenes-64px.py')
GAELLE = ('configs/gaelle/gaelle-objlocal-cambox_resnet18_1xb64-mcrop-'
          'coslr-5e_digitscenes-64px-32px.py')
SIZES = dict(num_train=16, num_val=8, num_test=8)

pytestmark = pytest.mark.e2e


def _data(prefix, root, splits=('train', 'val', 'test')):
    """Options putting ``<split>_dataloader<prefix>`` on the tiny tree."""
    options = []
    for split in splits:
        loader = f'{split}_dataloader'
        options += [f'{loader}{prefix}.data_root={root}',
                    f'{loader}.num_workers=0',
                    f'{loader}.persistent_workers=False']
        options += [f'{loader}{prefix}.{k}={v}' for k, v in SIZES.items()]
    return options


def _one_epoch(*extra):
    return ['train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
            *extra]


def _last_train_line(out, iters):
    lines = re.findall(rf'Epoch\(train\) \[1\]\[{iters}/{iters}\].*', out)
    assert lines, out[-3000:]
    return lines[-1]


def _pretrain_on_cam_boxes(config, boxes, root, work, run):
    """Two iterations (batch 8) of a pretraining config whose pipeline's
    second transform reads the CAM-box file."""
    pipeline = Config.fromfile(osp.join(REPO, config)) \
        .train_dataloader.dataset.pipeline
    assert pipeline[1]['type'] == 'LoadProposals'
    out = run([sys.executable, 'tools/train.py', config, '--work-dir',
               str(work), '--cfg-options', *_data('.dataset', root, ['train']),
               'train_dataloader.batch_size=8',
               f'train_dataloader.dataset.pipeline.1.proposal_file={boxes}',
               *_one_epoch()])
    line = _last_train_line(out, 2)
    loss = float(re.search(r' loss: (\S+)', line).group(1))
    assert np.isfinite(loss), line
    assert (work / 'epoch_1.pth').is_file()
    # the run read this file (the default path is not in the tree)
    dumped = Config.fromfile(str(work / osp.basename(config)))
    assert dumped.train_dataloader.dataset.pipeline[1][
        'proposal_file'] == boxes
    return out


def test_oass_digitscenes_chain(tmp_path, run_in_repo,
                                oass_digitscenes_config):
    from mmmlc.datasets import DigitScenesDataset
    from mmmlc.datasets.transforms import load_proposals
    from mmmlc.evaluation.metrics.dump_cams import load_cam_file
    root = str(tmp_path / 'digit_scenes')
    stage1 = oass_digitscenes_config
    train = [sys.executable, 'tools/train.py']

    # 1. stage 1: 16 / 8 = 2 iterations, then validation.
    work1 = tmp_path / 'stage1'
    out = run_in_repo(train + [
        stage1, '--work-dir', str(work1), '--cfg-options',
        *_data('.dataset', root), 'train_dataloader.batch_size=8',
        *_one_epoch('train_cfg.val_interval=1')])
    _last_train_line(out, 2)
    assert re.search(r'Epoch\(val\).*multi-label/mAP', out), out[-3000:]
    ckpt1 = work1 / 'epoch_1.pth'
    state = torch.load(ckpt1, map_location='cpu', weights_only=True)
    assert any(k.startswith('backbone.') for k in state['state_dict'])

    # 2. CAMs of every train image, K = its labels.
    data = DigitScenesDataset(data_root=root, split='train',
                              difficult_as_positive=True, **SIZES)
    infos = [data.get_data_info(i) for i in range(len(data))]
    classes = tuple(data.metainfo['classes'])
    cams = tmp_path / 'cams'
    out = run_in_repo([
        sys.executable, 'tools/oass/make_cams.py', stage1, str(ckpt1),
        '--split', 'train', '--batch-size', '8', '--out-dir', str(cams),
        '--work-dir', str(tmp_path / 'cam_work'), '--cfg-options',
        *_data('.dataset', root)])
    assert 'make_cams: 16 images (train split)' in out, out[-3000:]
    assert len(os.listdir(cams)) == len(infos) == 16
    for info in infos:
        name = osp.basename(info['img_path'])
        cam = load_cam_file(
            str(cams / (osp.splitext(name)[0] + '.npz')), list(classes))
        assert cam['img_key'] == name
        assert cam['keys'].tolist() == sorted(info['gt_label'])
        assert cam['high_res'].shape == (len(cam['keys']), 128, 128)

    # 3. CAM boxes: at most 3 per positive class, labelled by class.
    boxes = str(tmp_path / 'cam_boxes.npz')
    out = run_in_repo([
        sys.executable, 'tools/oass/make_csi.py', stage1, str(cams),
        '--split', 'train', '--out', boxes, '--cfg-options',
        *_data('.dataset', root, ['train'])])
    table = load_proposals(boxes)
    assert table.classes == classes and len(table) == 16
    total = 0
    for info in infos:
        name = osp.basename(info['img_path'])
        found, scores, size = table.get(name)
        labels = table.get_labels(name).tolist()
        positives = sorted(info['gt_label'])
        assert size == (128, 128)
        assert sorted(set(labels)) == positives  # >= 1 box per class
        assert all(labels.count(c) <= 3 for c in positives)
        assert ((found[:, :2] >= 0) & (found[:, 2:] <= 128)).all()
        assert (found[:, 2:] > found[:, :2]).all()
        assert ((scores >= 0) & (scores <= 1)).all()
        total += len(labels)
    assert f'{total / 16:.2f} boxes per image (mean)' in out, out[-3000:]
    assert re.search(r'box CorLoc of the top CAM box per ground-truth '
                     r'class: \d+\.\d\d %', out), out[-3000:]

    # 4. stage 5 from the stage-1 checkpoint on those boxes: 16 / 16 = 1
    # iteration; then the test split with max and global fusion.
    work5 = tmp_path / 'stage5'
    options5 = [*_data('.dataset.dataset', root, ['train']),
                *_data('.dataset', root, ['val', 'test']),
                f'train_dataloader.dataset.proposal_file={boxes}']
    out = run_in_repo(train + [
        CSI, '--work-dir', str(work5), '--cfg-options', *options5,
        f'model.init_cfg.checkpoint={ckpt1}', *_one_epoch()])
    assert f'load model from: {ckpt1}' in out, out[-3000:]
    line = _last_train_line(out, 1)
    for term in ('loss_img', 'loss_inst', 'loss_mil'):
        assert term in line, line
    ckpt5 = work5 / 'epoch_1.pth'
    assert ckpt5.is_file()
    for fusion in ('max', 'global'):
        out = run_in_repo([
            sys.executable, 'tools/test.py', CSI, str(ckpt5), '--work-dir',
            str(tmp_path / f'test_{fusion}'), '--cfg-options', *options5,
            f'model.fusion={fusion}'])
        assert re.search(r'Epoch\(test\).*multi-label/mAP: \d+\.\d+', out), \
            out[-3000:]

    # 5. pretraining on the CAM boxes: objcrop, GAELLE object-local.
    _pretrain_on_cam_boxes(OBJCROP, boxes, root, tmp_path / 'objcrop',
                           run_in_repo)
    _pretrain_on_cam_boxes(GAELLE, boxes, root, tmp_path / 'gaelle',
                           run_in_repo)

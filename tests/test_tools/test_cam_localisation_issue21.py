"""Issue 21: Grad-CAM of a classifier trained on DigitScenes looks at the
digits (a sanity check of the CAM tool, not a benchmark).

A short run of the quick-start config with a narrow ResNet-18 (16 base
channels instead of 64, so it trains in about a minute on 2 cores) trains
on DigitScenes (tools/train.py);
the CAM tool (tools/analysis_tools/class_activation_maps.py) then maps every
class on test images, and for each (image, positive class) pair we ask
whether the map's peak falls inside one of that class's boxes. A uniform
random map puts its peak in the boxes with probability equal to their area
fraction, so the baseline is the mean area fraction of the pairs' boxes.
An untrained model does not beat it (checked by hand: see the numbers in
``test_trained_model_beats_a_uniform_map``).
"""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
QUICKSTART = osp.join(
    REPO, 'configs', 'quickstart',
    'baseline-bce_resnet18_1xb32-onecycle-8e_digitscenes-64px.py')
LAYER = 'backbone.layer2'  # 8 x 8 at 64 px; layer4 is 2 x 2
NUM_TRAIN, EPOCHS, NUM_TEST = 1200, 5, 80

pytestmark = pytest.mark.e2e


def write_config(folder, data_root, epochs=EPOCHS):
    data = (f'dict(data_root={data_root!r}, num_train={NUM_TRAIN}, '
            f'num_val=16, num_test={NUM_TEST})')
    path = osp.join(str(folder), 'cam_short.py')
    with open(path, 'w') as f:
        f.write(f"""
_base_ = [{QUICKSTART!r}]
train_dataloader = dict(num_workers=0, persistent_workers=False,
                        dataset={data})
val_dataloader = dict(num_workers=0, persistent_workers=False,
                      dataset={data})
test_dataloader = dict(num_workers=0, persistent_workers=False,
                       dataset={data})
# ResNet-18 with a quarter of the channels: 16-32-64-128.
model = dict(backbone=dict(stem_channels=16, base_channels=16),
             head=dict(in_channels=128))
param_scheduler = dict(end={epochs})
train_cfg = dict(max_epochs={epochs}, val_interval={epochs})
default_hooks = dict(checkpoint=dict(save_best=None, max_keep_ckpts=1))
""")
    return path


def cam_hits(tool, cfg, ckpt, data_root, tmp_path, layer=LAYER):
    """(peaks in the class's boxes, uniform-map baseline, pairs).

    Every class is mapped by ``tool`` (the CAM tool's module; Grad-CAM at
    ``layer``) on the test images; each non-difficult positive (image,
    class) pair counts.
    """
    import mmmlc  # noqa: F401
    from mmmlc.datasets import DigitScenesDataset
    data = DigitScenesDataset(data_root=data_root, split='test',
                              num_train=NUM_TRAIN, num_val=16,
                              num_test=NUM_TEST)
    infos = [data.get_data_info(i) for i in range(len(data))]
    saved = str(tmp_path / 'maps.npz')
    code = tool.main([
        cfg, ckpt, *[info['img_path'] for info in infos],
        '--classes', ','.join(data.CLASSES),
        '--method', 'gradcam', '--target-layer', layer, '--max-images',
        str(len(infos)), '--save-maps', saved
    ])
    assert code == 0
    maps = np.load(saved)
    hits, fractions = [], []
    for i, info in enumerate(infos):
        heat = maps[f'maps_{i}']  # (10, h, w) on the packed image
        assert list(maps[f'class_indices_{i}']) == list(range(10))
        height, width = info['height'], info['width']
        sy, sx = heat.shape[1] / height, heat.shape[2] / width
        for cls in set(info['gt_bboxes_labels'].tolist()):
            keep = (info['gt_bboxes_labels'] == cls) & \
                ~info['gt_bboxes_difficult']
            if not keep.any():
                continue
            inside = np.zeros(heat.shape[1:], bool)
            for x1, y1, x2, y2 in info['gt_bboxes'][keep]:
                inside[int(y1 * sy):int(np.ceil(y2 * sy)),
                       int(x1 * sx):int(np.ceil(x2 * sx))] = True
            peak = np.unravel_index(np.argmax(heat[cls]), inside.shape)
            hits.append(bool(inside[peak]))
            fractions.append(inside.mean())
    return float(np.mean(hits)), float(np.mean(fractions)), len(hits)


def test_trained_model_beats_a_uniform_map(tmp_path, load_tool):
    pytest.importorskip('pytorch_grad_cam')
    data_root = str(tmp_path / 'digit_scenes')
    cfg = write_config(tmp_path, data_root)
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', cfg, '--work-dir',
         str(tmp_path / 'work'), '--no-validate'], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    ckpt = str(tmp_path / 'work' / f'epoch_{EPOCHS}.pth')
    tool = load_tool('analysis_tools/class_activation_maps.py')
    hit, uniform, pairs = cam_hits(tool, cfg, ckpt, data_root, tmp_path)
    print(f'CAM peak in box: {hit:.3f} vs uniform {uniform:.3f} '
          f'({pairs} pairs)')
    assert pairs >= 100
    assert hit > 2 * uniform, (hit, uniform, pairs)

"""tools/oass/make_cams.py on DigitScenes with a random checkpoint.

One process on 6 training images (K = labels) and on 6 test images (K =
predicted), then the same test images with 2 processes through
tools/oass/dist_make_cams.sh (gloo on the CPU): every rank writes its
share and the files equal the one-process files.
"""
import os
import os.path as osp
import re
import sys

import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py'
N = 6

pytestmark = pytest.mark.e2e


def _options(root):
    options = []
    for split in ('train', 'val', 'test'):
        options += [f'{split}_dataloader.dataset.data_root={root}',
                    f'{split}_dataloader.num_workers=0']
        options += [f'{split}_dataloader.dataset.{n}=16'
                    for n in ('num_train', 'num_val', 'num_test')]
    return options


def _random_checkpoint(path):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmmlc  # noqa: F401
    from mmmlc.registry import MODELS
    init_default_scope('mmmlc')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(REPO, CONFIG)).model)
    model.init_weights()
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)


def _labels(root):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmmlc.registry import DATASETS
    cfg = Config.fromfile(osp.join(REPO, CONFIG))
    init_default_scope('mmmlc')
    dataset = DATASETS.build(
        dict(cfg.train_dataloader.dataset, pipeline=[], indices=N,
             data_root=root, num_train=16, num_val=16, num_test=16))
    return {osp.basename(info['img_path']): sorted(info['gt_label'])
            for info in (dataset.get_data_info(i) for i in range(N))}


def _check(out_dir, prefix):
    from mmmlc.datasets.digit_scenes_builder import CLASSES
    from mmmlc.evaluation.metrics.dump_cams import load_cam_file
    names = sorted(os.listdir(out_dir))
    assert names == [f'{prefix}_{i:06d}.npz' for i in range(N)]
    files = {n: load_cam_file(osp.join(out_dir, n), CLASSES) for n in names}
    for name, cams in files.items():
        assert cams['img_key'] == name.replace('.npz', '.jpg')
        assert cams['high_res'].shape[1:] == (128, 128)  # original size
        assert cams['cam'].shape[1:] == (32, 32)
        peaks = cams['high_res'].reshape(len(cams['keys']), -1).max(1)
        # m / (m + 1e-5) for a summed peak m; m ~ 0.1 for this random net
        assert (peaks < 1).all() and ((peaks == 0) | (peaks > 0.99)).all()
    return files


def test_make_cams_train_test_and_two_processes(tmp_path, run_in_repo,
                                                 free_port):
    root = str(tmp_path / 'digit_scenes')
    ckpt = str(tmp_path / 'random.pth')
    _random_checkpoint(ckpt)
    tool = [sys.executable, 'tools/oass/make_cams.py', CONFIG, ckpt]
    common = ['--num-images', str(N), '--work-dir', str(tmp_path / 'w'),
              '--cfg-options', *_options(root)]

    out = run_in_repo(tool + ['--out-dir', str(tmp_path / 'train'), '--split',
                       'train'] + common)
    assert re.search(r'make_cams: 6 images \(train split\) in .* '
                     r'images/s', out)
    labels = _labels(root)
    for name, cams in _check(tmp_path / 'train', 'train').items():
        assert cams['keys'].tolist() == labels[cams['img_key']]

    one = tmp_path / 'test1'
    run_in_repo(tool + ['--out-dir', str(one), '--batch-size', '3'] + common)
    single = _check(one, 'test')
    for cams in single.values():
        scores = cams['scores']
        expected = set(np.nonzero(scores >= 0.5)[0]) | {scores.argmax()}
        assert cams['keys'].tolist() == sorted(expected)

    two = tmp_path / 'test2'
    out = run_in_repo(['bash', 'tools/oass/dist_make_cams.sh', CONFIG, ckpt,
                       '2', '--out-dir', str(two)] + common,
                      {'PORT': str(free_port)})
    assert 'make_cams: 6 images (test split)' in out
    for name, cams in _check(two, 'test').items():
        assert cams['keys'].tolist() == single[name]['keys'].tolist()
        np.testing.assert_allclose(cams['high_res'],
                                   single[name]['high_res'], atol=1e-5)
        np.testing.assert_allclose(cams['scores'], single[name]['scores'],
                                   atol=1e-6)

"""tools/oass/show_cams.py: CAMs and their boxes over the images."""
import os.path as osp

import numpy as np
import pytest
from PIL import Image

import mmmlc  # noqa: F401
from mmmlc.datasets.digit_scenes_builder import CLASSES
from mmmlc.evaluation.metrics.dump_cams import save_cam_file
from mmmlc.visualization.class_activation_maps import BOX_COLOR, draw_boxes

@pytest.fixture
def tool(load_tool):
    return load_tool('tools/oass/show_cams.py')


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    """One tiny DigitScenes build (2 images a split) for the module."""
    return str(tmp_path_factory.mktemp('digit_scenes'))


def _options(root):
    return ['--cfg-options', f'test_dataloader.dataset.data_root={root}'] + [
        f'test_dataloader.dataset.{n}=2'
        for n in ('num_train', 'num_val', 'num_test')
    ]


def _blob_cam(cam_dir, img_key, classes=CLASSES):
    high = np.zeros((1, 128, 128), np.float32)
    high[0, 10:40, 80:120] = 1.0  # top right
    save_cam_file(osp.join(cam_dir, img_key.replace('.jpg', '.npz')), [3],
                  np.zeros((1, 32, 32)), high, img_key, classes,
                  np.full(len(classes), 0.5))


def test_draw_boxes_outlines_the_box_pixels():
    image = np.zeros((20, 30, 3), np.uint8)
    out = draw_boxes(image, np.array([[5, 2, 15, 12]]), width=1)
    magenta = (out == BOX_COLOR).all(-1)
    ys, xs = np.nonzero(magenta)
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (5, 14, 2, 11)
    assert not magenta[7, 10]  # inside stays
    assert magenta.sum() == 2 * 10 + 2 * 8
    assert (image == 0).all()  # the input is not changed


def test_grid_png_size_and_box_where_the_cam_is(tmp_path, root, tool,
                                                oass_digitscenes_config):
    cam_dir = tmp_path / 'cams'
    cam_dir.mkdir()
    _blob_cam(str(cam_dir), 'test_000000.jpg')
    out = str(tmp_path / 'grid.png')
    rows = tool.main([oass_digitscenes_config, str(cam_dir), '--out', out,
                         '--num-images', '1'] + _options(root))
    # the tight box (80, 10, 120, 40) grown by 10 % a side
    assert rows[0]['img_key'] == 'test_000000.jpg'
    np.testing.assert_allclose(rows[0]['boxes'], [[76, 7, 124, 43]])
    assert rows[0]['labels'].tolist() == [3]
    png = np.asarray(Image.open(out).convert('RGB')).astype(int)
    assert png.shape == (220, 440, 3)  # 1 row x 2 cells of 2.2 in at 100 dpi
    magenta = (png[..., 0] > 200) & (png[..., 2] > 200) & (png[..., 1] < 90)
    ys, xs = np.nonzero(magenta)
    assert len(xs) > 50
    # only on the overlay cell (the right half), in its top-right part
    assert xs.min() > 220 + 110 and ys.max() < 110


def test_bad_cam_dirs_are_named(tmp_path, root, tool,
                                oass_digitscenes_config):
    cam_dir = tmp_path / 'cams'
    cam_dir.mkdir()
    out = str(tmp_path / 'g.png')
    args = [oass_digitscenes_config, str(cam_dir), '--out', out]
    args += _options(root)
    _blob_cam(str(cam_dir), 'test_000000.jpg')
    with pytest.raises(FileNotFoundError,
                       match=r'no CAM file for image .*test_000001\.jpg.*'
                       r'test_000001\.npz'):
        tool.main(args)
    _blob_cam(str(cam_dir), 'test_000001.jpg', ['cat', 'dog', 'bird', 'x'])
    with pytest.raises(ValueError, match=r'test_000001\.npz was made for 4 '
                       'classes'):
        tool.main(args)
    save_cam_file(str(cam_dir / 'test_000001.npz'), [0],
                  np.zeros((1, 16, 16)), np.zeros((1, 64, 64)),
                  'test_000001.jpg', CLASSES, np.zeros(10))
    with pytest.raises(ValueError, match=r'test_000001\.npz: high_res is '
                       r'\(64, 64\).*original image size'):
        tool.main(args)

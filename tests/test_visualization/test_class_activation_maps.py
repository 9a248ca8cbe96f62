"""Grad-CAM through grad-cam on a model whose answer is known by hand."""
import numpy as np
import pytest
import torch
from torch import nn

pytest.importorskip('pytorch_grad_cam')

from mmmlc.visualization.class_activation_maps import (  # noqa: E402
    class_activation_maps, default_target_layer, draw_cam_grid)


class ColourClassifier(nn.Module):
    """Class 0 = red pixels, class 1 = green pixels (1x1 conv, GAP).

    Inputs are BGR, as the test pipeline packs them: channel 2 is red,
    channel 1 green. No data preprocessor normalisation or flip.
    """

    def __init__(self):
        super().__init__()
        self.data_preprocessor = nn.Identity()
        self.backbone = nn.Conv2d(3, 2, 1, bias=False)
        with torch.no_grad():
            self.backbone.weight.zero_()
            self.backbone.weight[0, 2] = 1.0  # red
            self.backbone.weight[1, 1] = 1.0  # green

    def forward(self, x, mode='tensor'):
        return torch.relu(self.backbone(x)).mean((2, 3))  # (B, 2) logits


def _scene():
    image = torch.zeros(1, 3, 32, 32)
    image[0, 2, 4:10, 20:28] = 200.0  # red box: rows 4-9, cols 20-27
    image[0, 1, 22:30, 2:8] = 200.0  # green box: rows 22-29, cols 2-7
    return image


def test_each_class_map_peaks_on_its_own_object():
    maps = class_activation_maps(ColourClassifier().eval(), _scene(),
                                 [[0, 1]], 'gradcam', 'backbone')[0]
    assert maps.shape == (2, 32, 32)
    red, green = maps
    # The map of class c is relu(A_c) scaled to [0, 1]: 1 on c's object,
    # 0 elsewhere.
    assert red[4:10, 20:28].min() == pytest.approx(1.0)
    assert red.sum() == pytest.approx(red[4:10, 20:28].sum())
    assert green[22:30, 2:8].min() == pytest.approx(1.0)
    assert green.sum() == pytest.approx(green[22:30, 2:8].sum())


def test_no_class_no_map_and_layer_errors(tmp_path):
    model = ColourClassifier().eval()
    maps = class_activation_maps(model, _scene(), [[]], 'gradcam',
                                 'backbone')
    assert maps[0].shape == (0, 32, 32)
    with pytest.raises(ValueError, match="no module 'neck'"):
        class_activation_maps(model, _scene(), [[0]], 'gradcam', 'neck')
    with pytest.raises(ValueError, match='--target-layer'):
        default_target_layer(model)
    with pytest.raises(ValueError, match='unknown CAM method'):
        class_activation_maps(model, _scene(), [[0]], 'cam9000', 'backbone')
    rgb = np.zeros((32, 32, 3), np.uint8)
    heat = class_activation_maps(model, _scene(), [[0, 1]], 'gradcam',
                                 'backbone')
    out = tmp_path / 'grid.png'
    draw_cam_grid([rgb], heat, [['red', 'green']], str(out))
    assert out.read_bytes()[:4] == b'\x89PNG'

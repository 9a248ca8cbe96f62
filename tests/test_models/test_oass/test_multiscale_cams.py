"""Offline multi-scale CAMs (OASS stage 2): fidelity checks 2, 3, 4 and K.

docs/reference/oass.md ("Offline CAMs"); the checks are those of the
"Fidelity checks" table there.
"""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import mmmlc  # noqa: F401
from mmmlc.models.utils.multiscale_cams import (cam_classes,
                                                check_original_size,
                                                multiscale_cam_options,
                                                multiscale_class_maps,
                                                normalized_cams)
from mmmlc.registry import MODELS

torch.set_num_threads(1)
SCALES = (0.5, 1.0, 1.5, 2.0)


class ConstantMaps(nn.Module):
    """Class maps equal to ``values[c]`` everywhere, on a stride-16 grid."""

    def __init__(self, values):
        super().__init__()
        self.values = torch.tensor(values)
        self.calls = []

    def forward(self, x):
        self.calls.append(tuple(x.shape))
        n, _, h, w = x.shape
        grid = (math.ceil(h / 16), math.ceil(w / 16))
        return self.values[None, :, None, None].expand(n, -1, *grid).clone()


class SymmetricStub(nn.Module):
    """Flip-equivariant: a conv with left-right symmetric kernels, then a
    16 x 16 average pool (sizes multiples of 16)."""

    def __init__(self, classes=3):
        super().__init__()
        torch.manual_seed(0)
        kernel = torch.randn(classes, 3, 3, 5)
        self.weight = nn.Parameter(kernel + kernel.flip(-1))

    def forward(self, x):
        return F.avg_pool2d(F.conv2d(x, self.weight, padding=(1, 2)), 16)


class LeftBiasedStub(nn.Module):
    """Not flip-equivariant: the maps of the left half only."""

    def forward(self, x):
        pooled = F.avg_pool2d(x, 16)[:, :2]
        w = pooled.shape[-1]
        mask = (torch.arange(w) < w // 2).to(pooled)
        return pooled * mask


def _run(fn, inputs, keys=None, rule='predicted', labels=None):
    logits, strided, high = multiscale_class_maps(fn, inputs, SCALES)
    keys = keys if keys is not None else cam_classes(logits, rule, labels)
    return logits, keys, normalized_cams(strided, high, keys)


def test_check2_normalisation_and_zero_maps():
    # Class maps 1.0, 2.0, 0 and -3 everywhere: each scale adds 2 (image
    # + flip) times the ReLU value, 4 scales: 8 v / (8 v + 1e-5).
    stub = ConstantMaps([1.0, 2.0, 0.0, -3.0])
    inputs = torch.randn(1, 3, 64, 48)
    keys = [torch.tensor([0, 1, 2, 3])]
    logits, _, [(small, large)] = _run(stub, inputs, keys)
    assert torch.allclose(logits, torch.tensor([[1.0, 2.0, 0.0, -3.0]]))
    for cam in (small, large):
        assert not torch.isnan(cam).any()
        assert torch.allclose(cam[0], torch.full_like(cam[0],
                                                      8 / (8 + 1e-5)))
        assert torch.allclose(cam[1], torch.full_like(cam[1],
                                                      16 / (16 + 1e-5)))
        assert (cam[2:] == 0).all()  # zero and negative maps: 0, no NaN
        for k in (0, 1):
            assert cam[k].min() >= 0
            assert 1 - 1e-4 <= cam[k].max() <= 1


def test_check2_classes_outside_k_are_absent():
    # logits 2, -1, 0.1, -3: sigmoid >= 0.5 for classes 0 and 2.
    stub = ConstantMaps([2.0, -1.0, 0.1, -3.0])
    _, keys, [(small, large)] = _run(stub, torch.randn(1, 3, 32, 32))
    assert keys[0].tolist() == [0, 2]
    assert small.shape[0] == large.shape[0] == 2


def test_k_rule_predicted_and_labels():
    logits = torch.tensor([[2.0, -1.0, 0.1, -3.0],    # 0.88, 0.27, 0.52
                           [-1.0, -0.5, -2.0, -4.0],  # none >= 0.5
                           [0.0, -0.1, 5.0, -1.0]])   # sigmoid(0) = 0.5
    keys = cam_classes(logits, 'predicted')
    assert [k.tolist() for k in keys] == [[0, 2], [1], [0, 2]]
    labels = torch.tensor([[0., 1, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0]])
    keys = cam_classes(logits, 'labels', labels)
    assert [k.tolist() for k in keys] == [[1, 3], [], [0]]
    with pytest.raises(ValueError, match='needs the images. labels'):
        cam_classes(logits, 'labels')


def test_check3_flip_symmetry():
    half = torch.randn(1, 3, 64, 48)
    symmetric = torch.cat([half, half.flip(-1)], -1)  # 64 x 96
    for stub in (SymmetricStub(), LeftBiasedStub()):
        keys = [torch.arange(2)]
        _, _, [(small, large)] = _run(stub, symmetric, keys)
        assert large.shape[-2:] == (64, 96)
        for cam in (small, large):
            assert cam.max() > 0.99
            assert torch.allclose(cam, cam.flip(-1), atol=1e-5)


def test_unflip_adds_the_mirrored_map_back():
    # An equivariant network on an asymmetric image: the un-flipped map of
    # the flip equals the map itself, so image + flip is twice the map and
    # not symmetric; forgetting the un-flip would make it symmetric.
    stub = SymmetricStub()
    image = torch.randn(1, 3, 64, 96)
    logits, strided, high = multiscale_class_maps(stub, image, (1.0, ))
    single = F.relu(stub(image))
    expected = F.interpolate(single, size=(16, 24), mode='bilinear',
                             align_corners=False) * 2
    assert torch.allclose(strided, expected, atol=1e-5)
    assert not torch.allclose(high, high.flip(-1), atol=1e-3)
    assert torch.allclose(logits, stub(image).mean((2, 3)), atol=1e-6)


def test_check4_sizes_333x500_and_one_pass_per_scale():
    stub = ConstantMaps([1.0, 0.5])
    inputs = torch.randn(2, 3, 333, 500)
    _, keys, cams = _run(stub, inputs)
    for small, large in cams:
        assert small.shape == (2, math.ceil(333 / 4), math.ceil(500 / 4))
        assert small.shape == (2, 84, 125)
        assert large.shape == (2, 333, 500)
    # one forward per scale with the batch and its flip (2 x 2 images)
    assert stub.calls == [(4, 3, 166, 250), (4, 3, 333, 500),
                          (4, 3, 500, 750), (4, 3, 666, 1000)]


def test_high_res_is_cropped_not_squeezed():
    # A map with one hot column on a 2-cell grid of a 20-px-wide image:
    # upsampled to 32 px (a multiple of 16), then cropped to 20 px, the
    # map keeps the grid's geometry: its left half (16 px) is the first
    # cell.
    def fn(x):
        n, _, h, w = x.shape
        maps = torch.zeros(n, 1, 1, 2)
        maps[..., 0] = 1.0
        return maps
    image = torch.ones(1, 3, 16, 20)
    _, _, high = multiscale_class_maps(fn, image, (1.0, ), flip=False)
    assert high.shape[-2:] == (16, 20)
    # bilinear 2 -> 32 with align_corners=False: 1 up to x = 11, 0 from 20
    assert torch.allclose(high[0, 0, 0, :8], torch.ones(8))
    assert high[0, 0, 0, 15] == pytest.approx(0.53125)
    assert high[0, 0, 0, 19] == pytest.approx(0.28125)


def test_original_size_and_padding_are_checked():
    inputs = torch.zeros(2, 3, 40, 50)
    check_original_size(inputs, [dict(img_shape=(40, 50), ori_shape=(40, 50))])
    with pytest.raises(ValueError, match=r'a\.jpg.*resized'):
        check_original_size(inputs, [dict(img_path='a.jpg', img_shape=(40, 50),
                                          ori_shape=(80, 100))])
    with pytest.raises(ValueError, match=r'b\.jpg.*padded.*batch_size=1'):
        check_original_size(inputs, [dict(img_path='b.jpg', img_shape=(30, 50),
                                          ori_shape=(30, 50))])


def test_options_are_checked():
    assert multiscale_cam_options(None) is None
    full = multiscale_cam_options(dict(cam_classes='labels'))
    assert full['scales'] == SCALES and full['flip']
    with pytest.raises(ValueError, match='unknown options'):
        multiscale_cam_options(dict(scale=[1]))
    with pytest.raises(ValueError, match='cam_classes'):
        multiscale_cam_options(dict(cam_classes='gt'))


def _model(rule):
    init_default_scope('mmmlc')
    return MODELS.build(dict(
        type='OASSClassifier',
        backbone=dict(type='ResNet', depth=18, stem_channels=8,
                      base_channels=8, out_indices=(3, ),
                      strides=(1, 2, 2, 1)),
        head=dict(type='CAMHead', num_classes=5, in_channels=64),
        multiscale_cam=dict(cam_classes=rule),
        data_preprocessor=dict(type='ClsDataPreprocessor', num_classes=5,
                               to_onehot=True, mean=[128.] * 3,
                               std=[64.] * 3))).eval()


def test_model_predict_mode_through_test_step():
    model = _model('labels')
    meta = dict(img_shape=(45, 70), ori_shape=(45, 70), img_path='x/a.jpg')
    image = torch.randint(0, 256, (3, 45, 70), dtype=torch.uint8)

    def data():
        sample = DataSample(metainfo=meta).set_gt_label([1, 3])
        return dict(inputs=[image], data_samples=[sample])

    with torch.no_grad():
        sample = model.test_step(data())[0]
    assert sample.cam_keys.tolist() == [1, 3]
    assert sample.cam_stride4.shape == (2, 12, 18)
    assert sample.cam_high_res.shape == (2, 45, 70)
    assert sample.pred_score.shape == (5, )
    # the multi-scale scores are the sigmoid of the averaged logits
    inputs = model.data_preprocessor(data())['inputs']
    logits, _, _ = multiscale_class_maps(
        lambda x: model.head.class_maps(model.extract_feat(x)), inputs,
        SCALES, True, 16)
    assert torch.allclose(sample.pred_score, torch.sigmoid(logits[0]))
    for cam in (sample.cam_stride4, sample.cam_high_res):
        peak = cam.flatten(1).amax(1)
        assert ((peak == 0) | ((peak >= 1 - 1e-4) & (peak <= 1))).all()
    # the plain prediction is unchanged without multiscale_cam
    model.multiscale_cam = None
    with torch.no_grad():
        plain = model.test_step(data())[0]
    assert 'cam_keys' not in plain and plain.cam.shape[0] == 5

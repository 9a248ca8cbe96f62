"""CAM boxes, OASS stage 3 (docs/reference/oass.md, fidelity check 8).

Numbers: Gaussian blobs give boxes at the analytic level-set radius
``r = sigma * sqrt(2 ln(p / tau))`` within 1 px; margin, clipping, NMS,
fallback and the keep mask by hand-computed boxes.
"""
import math

import numpy as np
import pytest
import torch

from mmmlc.models.utils.cam_boxes import cam_boxes, cam_boxes_list


def _blob(size, cx, cy, peak, sigma):
    ys, xs = torch.meshgrid(torch.arange(size[0]).float(),
                            torch.arange(size[1]).float(), indexing='ij')
    return peak * torch.exp(-((xs - cx)**2 + (ys - cy)**2) / (2 * sigma**2))


def _check8_map():
    cam = torch.maximum(_blob((64, 64), 16, 16, 1.0, 4.),
                        _blob((64, 64), 44, 40, 0.6, 4.))
    cam[54:56, 6:8] = 0.9  # the 2 x 2 speck, far from both blobs
    return cam


def test_gaussian_blobs_give_two_boxes_at_the_analytic_radius():
    cam = _check8_map()
    keep = torch.tensor([[True]])
    boxes, scores, valid = cam_boxes(cam[None, None], keep, margin=0.)
    assert valid[0, 0].tolist() == [True, True, False]  # speck removed
    assert scores[0, 0].tolist() == pytest.approx([1.0, 0.6, 0.], abs=1e-6)
    for box, (cx, cy, peak) in zip(boxes[0, 0, :2],
                                   [(16, 16, 1.0), (44, 40, 0.6)]):
        r = 4. * math.sqrt(2 * math.log(peak / 0.2))
        # x2, y2 are exclusive: the last foreground pixel is x2 - 1.
        x1, y1, x2, y2 = box.tolist()
        for lo, hi, c in [(x1, x2 - 1, cx), (y1, y2 - 1, cy)]:
            assert abs(lo - (c - r)) <= 1 and abs(hi - (c + r)) <= 1
    assert 7.1 < 4. * math.sqrt(2 * math.log(5.)) < 7.3
    # the speck alone (4 px < 0.01 * 64 * 64 = 40.96 px) gives no box: the
    # fallback is the whole image scored 0.9.
    speck = torch.zeros(1, 1, 64, 64)
    speck[0, 0, 54:56, 6:8] = 0.9
    boxes, scores, valid = cam_boxes(speck, keep)
    assert valid[0, 0].tolist() == [True, False, False]
    assert boxes[0, 0, 0].tolist() == [0., 0., 64., 64.]
    assert scores[0, 0, 0].item() == pytest.approx(0.9)


def test_corner_touching_squares_are_two_components():
    cam = torch.zeros(1, 1, 20, 20)
    cam[0, 0, 2:6, 2:6] = 0.8
    cam[0, 0, 6:10, 6:10] = 1.0
    boxes, scores, valid = cam_boxes(
        cam, torch.tensor([[True]]), margin=0., min_area=0.)
    assert valid[0, 0].tolist() == [True, True, False]
    assert boxes[0, 0, :2].tolist() == [[6., 6., 10., 10.], [2., 2., 6., 6.]]
    assert scores[0, 0, :2].tolist() == pytest.approx([1.0, 0.8])


def test_margin_and_clipping_at_the_borders():
    cam = torch.zeros(1, 1, 40, 50)
    cam[0, 0, 10:20, 20:40] = 1.   # 20 wide, 10 high: grows 2 and 1 px
    cam[0, 0, 0:5, 0:10] = 0.7     # in the corner: clipped to 0
    cam[0, 0, 30:40, 45:50] = 0.5  # at the far corner: clipped to 50, 40
    boxes, scores, valid = cam_boxes(cam, torch.tensor([[True]]))
    assert valid.all()
    np.testing.assert_allclose(
        boxes[0, 0].numpy(),
        [[18., 9., 42., 21.], [0., 0., 11., 5.5], [44.5, 29., 50., 40.]],
        atol=1e-5)
    # 25 % margin pushes the middle box past no border
    boxes, _, _ = cam_boxes(cam, torch.tensor([[True]]), margin=0.25)
    assert boxes[0, 0, 0].tolist() == pytest.approx([15., 7.5, 45., 22.5])


def test_top_k_keeps_the_highest_peaks():
    cam = torch.zeros(1, 1, 30, 30)
    for i, peak in enumerate([0.3, 0.9, 0.5, 0.7]):
        cam[0, 0, 2:6, 2 + 7 * i:6 + 7 * i] = peak
    _, scores, valid = cam_boxes(cam, torch.tensor([[True]]), min_area=0.)
    assert scores[0, 0].tolist() == pytest.approx([0.9, 0.7, 0.5])
    _, scores, valid = cam_boxes(cam, torch.tensor([[True]]), min_area=0.,
                                 top_k=5)
    assert valid[0, 0].tolist() == [True] * 4 + [False]
    assert scores[0, 0].tolist() == pytest.approx([0.9, 0.7, 0.5, 0.3, 0.])


def test_same_class_nms_keeps_the_higher_score():
    # Two components of one class whose grown boxes overlap at IoU 0.3.
    cam = torch.zeros(1, 1, 40, 40)
    cam[0, 0, 0:10, 0:10] = 0.6
    cam[0, 0, 0:10, 11:13] = 1.0  # 2 wide, 10 high, beside the square
    # IoU of [0,0,10,10] and [11,0,13,10] is 0; with margin 1.0 the bar
    # grows to [9,-10,15,20] -> [9,0,15,20] and the square to
    # [-10,-10,20,20] -> [0,0,20,20]: IoU = 120 / 400 = 0.3.
    _, scores, valid = cam_boxes(cam, torch.tensor([[True]]), margin=1.,
                                 min_area=0., nms_iou=0.29)
    assert valid[0, 0].tolist() == [True, False, False]
    assert scores[0, 0, 0].item() == pytest.approx(1.0)
    _, _, valid = cam_boxes(cam, torch.tensor([[True]]), margin=1.,
                            min_area=0., nms_iou=0.31)
    assert valid[0, 0].tolist() == [True, True, False]


def test_nms_is_greedy_a_dropped_box_suppresses_nothing():
    # A (1.0) overlaps B (0.9), B overlaps C (0.8), A and C do not: B goes
    # and C stays although it overlaps B.
    cam = torch.zeros(1, 1, 10, 60)
    cam[0, 0, 4:6, 10:20] = 1.0  # A tight [10,4,20,6]
    cam[0, 0, 4:6, 24:34] = 0.9  # B tight [24,4,34,6]
    cam[0, 0, 4:6, 38:48] = 0.8  # C tight [38,4,48,6]
    # margin 0.5: A [5,3,25,7], B [19,3,39,7], C [33,3,53,7] (height 4).
    # IoU(A,B) = 6*4 / (2*80 - 24) = 24/136; IoU(B,C) the same; A, C 0.
    _, scores, valid = cam_boxes(cam, torch.tensor([[True]]), margin=0.5,
                                 min_area=0., nms_iou=0.17)
    assert 0.17 < 24 / 136 < 0.18
    assert valid[0, 0].tolist() == [True, True, False]
    assert scores[0, 0, :2].tolist() == pytest.approx([1.0, 0.8])


def test_keep_mask_and_fallback():
    cams = torch.zeros(2, 3, 16, 16)
    cams[0, 0, 2:8, 2:8] = 1.
    cams[0, 1, 2:8, 2:8] = 1.    # not kept: no box
    cams[1, 2] = 0.1             # kept, all below thr: whole image, 0.1
    keep = torch.tensor([[True, False, False], [False, False, True]])
    boxes, scores, valid = cam_boxes(cams, keep, margin=0.)
    assert valid.sum(-1).tolist() == [[1, 0, 0], [0, 0, 1]]
    assert boxes[0, 0, 0].tolist() == [2., 2., 8., 8.]
    assert boxes[1, 2, 0].tolist() == [0., 0., 16., 16.]
    assert scores[1, 2, 0].item() == pytest.approx(0.1)
    assert (boxes[~valid] == 0).all() and (scores[~valid] == 0).all()
    assert boxes.dtype == scores.dtype == torch.float32


def test_exact_components_need_no_round_count():
    # A snake with 15 turns needs more than 8 propagation rounds: with
    # 2 fixed rounds it splits, the default labels it as one component.
    cam = torch.zeros(1, 1, 31, 31)
    cam[0, 0, 0::2, :] = 1.
    for row in range(1, 31, 2):
        cam[0, 0, row, 30 if row % 4 == 1 else 0] = 1.
    keep = torch.tensor([[True]])
    boxes, _, valid = cam_boxes(cam, keep, margin=0., min_area=0.)
    assert valid[0, 0].tolist() == [True, False, False]
    assert boxes[0, 0, 0].tolist() == [0., 0., 31., 31.]
    _, _, valid = cam_boxes(cam, keep, margin=0., min_area=0., cc_iters=2)
    assert valid[0, 0].sum() > 1


def test_batched_equals_per_image_list():
    gen = torch.Generator().manual_seed(0)
    cams = torch.zeros(3, 4, 48, 40)
    for b in range(3):
        for c in range(4):
            for _ in range(3):
                cx, cy = torch.randint(0, 40, (2,), generator=gen).tolist()
                peak = 0.3 + 0.7 * torch.rand(1, generator=gen).item()
                cams[b, c] = torch.maximum(
                    cams[b, c], _blob((48, 40), cx, cy, peak, 3.))
    keep = torch.rand(3, 4, generator=gen) < 0.6
    keep[0, 0] = keep[1, 1] = True
    boxes, scores, valid = cam_boxes(cams, keep)
    for b in range(3):
        idx = keep[b].nonzero()[:, 0]
        lb, ll, ls = cam_boxes_list(cams[b, idx].numpy(), idx.numpy())
        assert lb.dtype == np.float32 and ll.dtype == np.int64
        np.testing.assert_array_equal(lb, boxes[b][valid[b]].numpy())
        np.testing.assert_array_equal(ls, scores[b][valid[b]].numpy())
        np.testing.assert_array_equal(
            ll, idx[:, None].expand(-1, 3)[valid[b][idx]].numpy())
    assert valid.sum() > keep.sum()  # some class has several boxes


def test_bad_input_is_an_error():
    with pytest.raises(ValueError, match='bool keep mask'):
        cam_boxes(torch.zeros(1, 2, 8, 8), torch.ones(1, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match='C_k class indices'):
        cam_boxes_list(np.zeros((2, 8, 8), np.float32), [0])
    lb, ll, ls = cam_boxes_list(np.zeros((0, 8, 8), np.float32), [])
    assert lb.shape == (0, 4) and ll.shape == ls.shape == (0, )

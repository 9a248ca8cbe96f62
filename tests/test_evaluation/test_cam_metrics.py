"""CAM mIoU and CorLoc against hand-computed values."""
import numpy as np
import pytest
import torch
from PIL import Image

from mmmlc.evaluation.metrics import CAMCorLoc, CAMmIoU


def test_cam_miou_hand_computed(tmp_path):
    # 1 x 4 image; truth: background, class 0 (value 1), class 0, ignore.
    mask = np.array([[0, 1, 1, 255]], np.uint8)
    Image.fromarray(mask, mode='L').save(tmp_path / 'a.png')
    cam = torch.zeros(3, 1, 4)
    cam[0] = torch.tensor([[0.3, 0.9, 0.1, 0.5]])  # class 0 (positive)
    cam[2] = torch.tensor([[1.0, 1.0, 1.0, 1.0]])  # not a label: unused
    metric = CAMmIoU(str(tmp_path), thresholds=(0.2, 0.4), num_classes=3)
    metric.process(None, [dict(img_path='x/a.jpg', ori_shape=(1, 4),
                               gt_label=torch.tensor([0]), cam=cam)])
    out = metric.compute_metrics(metric.results)
    # thr 0.2: pred [c0, c0, bg] on the 3 kept pixels: background IoU
    # 0 / 2, class 0 IoU 1 / 3. thr 0.4: pred [bg, c0, bg]: 1 / 2 and 1 / 2.
    # Class 1 (never in truth or prediction) is left out of the mean.
    assert out['mIoU@0.20'] == pytest.approx((0 + 1 / 3) / 2 * 100)
    assert out['mIoU@0.40'] == pytest.approx((1 / 2 + 1 / 2) / 2 * 100)
    assert out['mIoU'] == pytest.approx(50.)
    assert out['best_thr'] == 0.4


def test_cam_miou_names_missing_masks(tmp_path):
    with pytest.raises(FileNotFoundError, match='SegmentationClass'):
        CAMmIoU(str(tmp_path / 'VOC2012' / 'SegmentationClass'))


def test_corloc_hand_computed():
    cam = torch.zeros(2, 10, 10)
    cam[0, 2:6, 2:6] = 1.0   # class 0: box [2, 2, 6, 6]
    cam[0, 8, 8] = 0.5       # a weaker blob, not the top one
    cam[1, 0:2, 7:10] = 0.9  # class 1: box [7, 0, 10, 2]
    sample = dict(
        img_shape=(10, 10), gt_label=torch.tensor([0, 1]), cam=cam,
        gt_bboxes=torch.tensor([[2., 2., 6., 7.], [0., 5., 4., 9.]]),
        gt_bboxes_labels=torch.tensor([0, 1]))
    metric = CAMCorLoc()
    metric.process(None, [sample])
    out = metric.compute_metrics(metric.results)
    # Class 0: IoU 16 / 20 = 0.8 -> hit. Class 1: no overlap -> miss.
    assert out['CorLoc'] == pytest.approx(50.)
    # Mean relative size 0.4 wide, (0.5 + 0.4) / 2 = 0.45 high: centred
    # box [3, 2.75, 7, 7.25]. Class 0: IoU 12.75 / 25.25 = 0.505 -> hit;
    # class 1: IoU 2.25 / 31.75 -> miss.
    assert out['CorLoc_centre'] == pytest.approx(50.)


def test_corloc_asks_for_boxes():
    metric = CAMCorLoc()
    with pytest.raises(KeyError, match='algorithm_keys'):
        metric.process(None, [dict(img_path='a.jpg', cam=torch.zeros(1, 2, 2),
                                   gt_label=torch.tensor([0]))])


def test_image_without_positives_is_all_background(tmp_path):
    Image.fromarray(np.array([[0, 1]], np.uint8), mode='L').save(
        tmp_path / 'b.png')
    metric = CAMmIoU(str(tmp_path), thresholds=(0.2, ), num_classes=2)
    metric.process(None, [dict(img_path='b.jpg', ori_shape=(1, 2),
                               gt_label=torch.tensor([], dtype=torch.long),
                               cam=torch.ones(2, 1, 2))])
    # Background IoU 1 / 2, class 0 IoU 0 / 1.
    assert metric.compute_metrics(metric.results)['mIoU'] == pytest.approx(25)

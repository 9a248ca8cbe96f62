"""How well CAMs localise: CAM mIoU against VOC masks, and box CorLoc.

Both read the ``cam`` field that :class:`~mmmlc.models.heads.CAMHead` puts
on every predicted sample (normalised CAMs ``(C, h, w)`` of the network
input) and keep the ground-truth classes only (the CAM stage of OASS is
judged with the image labels known, docs/methods/oass.md, "Evaluation").
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from PIL import Image
from scipy import ndimage

from mmmlc.registry import METRICS


def _upsample(cam: torch.Tensor, size: Sequence[int]) -> np.ndarray:
    """Bilinear resize of ``(K, h, w)`` CAMs to ``size`` (H, W)."""
    if len(cam) == 0:  # an image without positive classes
        return np.zeros((0, ) + tuple(int(s) for s in size), np.float32)
    cam = torch.as_tensor(cam).float()[None]
    return F.interpolate(
        cam, size=tuple(int(s) for s in size), mode='bilinear',
        align_corners=False)[0].numpy()


def _select(cam, classes: np.ndarray) -> torch.Tensor:
    """The CAMs of ``classes`` out of a ``(C, h, w)`` tensor, on the CPU."""
    return torch.as_tensor(cam).detach().cpu()[torch.as_tensor(classes)]


def _labels(sample: dict) -> np.ndarray:
    """Ground-truth class indices of a sample dict."""
    return np.asarray(torch.as_tensor(sample['gt_label']).cpu(), np.int64)


def cam_confusion(cams: np.ndarray, classes: np.ndarray, mask: np.ndarray,
                  thresholds: Sequence[float], num_classes: int,
                  ignore_index: int = 255) -> np.ndarray:
    """Confusion matrices of CAM segmentations at each background level.

    The prediction at a pixel is the class of the largest CAM among
    ``classes``, or background (0) where every CAM is below the
    threshold (IRNet/Puzzle-CAM's evaluation).

    Args:
        cams (np.ndarray): ``(K, H, W)`` CAMs of the image's classes.
        classes (np.ndarray): ``(K,)`` their indices (0-based, no
            background).
        mask (np.ndarray): ``(H, W)`` ground truth, 0 background, class
            ``c`` as ``c + 1``, ``ignore_index`` ignored.
        thresholds (Sequence[float]): Background levels.
        num_classes (int): Object classes (20 for VOC).
        ignore_index (int): Defaults to 255.

    Returns:
        np.ndarray: int64 ``(T, num_classes + 1, num_classes + 1)``,
        rows ground truth, columns prediction.
    """
    n = num_classes + 1
    keep = mask != ignore_index
    truth = mask[keep].astype(np.int64)
    if truth.size and truth.max() >= n:
        raise ValueError(f'mask value {truth.max()} >= {n} classes.')
    out = np.zeros((len(thresholds), n, n), np.int64)
    lookup = np.concatenate([[0], np.asarray(classes, np.int64) + 1])
    for t, thr in enumerate(thresholds):
        scores = np.concatenate(
            [np.full((1, ) + mask.shape, thr, np.float32), cams], 0)
        pred = lookup[scores.argmax(0)][keep]
        out[t] = np.bincount(truth * n + pred, minlength=n * n).reshape(n, n)
    return out


@METRICS.register_module()
class CAMmIoU(BaseMetric):
    """CAM mIoU on Pascal VOC ``SegmentationClass`` masks.

    Every CAM of a ground-truth class is resized (bilinear) to the
    original image size, the background is the constant threshold, and
    the mIoU over the 21 classes is computed from the dataset's summed
    confusion matrix at each threshold of the sweep; the best one is
    reported (docs/methods/oass.md, "Evaluation").

    Args:
        seg_dir (str): Folder of ``<img_id>.png`` palette masks, e.g.
            ``data/VOCdevkit/VOC2012/SegmentationClass``.
        thresholds (Sequence[float]): Background levels. Defaults to
            0.10, 0.15, ..., 0.45.
        num_classes (int): Object classes. Defaults to 20.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'cam'``.
    """

    default_prefix = 'cam'

    def __init__(self,
                 seg_dir: str,
                 thresholds: Sequence[float] = tuple(
                     round(0.10 + 0.05 * i, 2) for i in range(8)),
                 num_classes: int = 20,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not osp.isdir(seg_dir):
            raise FileNotFoundError(
                f'CAMmIoU: expected the VOC segmentation masks at {seg_dir!r} '
                '(SegmentationClass, one <img_id>.png per image), but no '
                'such directory exists; the CAM mIoU needs them. Use an '
                'evaluation split with masks (ImageSets/Segmentation/'
                'val.txt) or drop CAMmIoU from the evaluator.')
        self.seg_dir = seg_dir
        self.thresholds = tuple(thresholds)
        self.num_classes = num_classes

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Accumulate one confusion stack per image."""
        for sample in data_samples:
            img_id = osp.splitext(osp.basename(sample['img_path']))[0]
            path = osp.join(self.seg_dir, f'{img_id}.png')
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'CAMmIoU: no mask {path!r} for image {img_id!r}; the '
                    'evaluation list must name images of SegmentationClass.')
            mask = np.asarray(Image.open(path))
            if mask.shape != tuple(sample['ori_shape']):
                raise ValueError(
                    f'CAMmIoU: mask {path} is {mask.shape}, the image '
                    f'{tuple(sample["ori_shape"])}.')
            classes = _labels(sample)
            cams = _upsample(_select(sample['cam'], classes), mask.shape)
            self.results.append(
                cam_confusion(cams, classes, mask, self.thresholds,
                              self.num_classes))

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        """mIoU (%) at the best threshold, and at each one."""
        conf = np.sum(results, 0).astype(np.float64)  # (T, n, n)
        inter = np.diagonal(conf, axis1=1, axis2=2)
        union = conf.sum(1) + conf.sum(2) - inter
        with np.errstate(invalid='ignore', divide='ignore'):
            miou = np.nanmean(inter / union, 1) * 100
        best = int(np.nanargmax(miou))
        out = {f'mIoU@{thr:.2f}': float(v)
               for thr, v in zip(self.thresholds, miou)}
        out.update(mIoU=float(miou[best]), best_thr=self.thresholds[best])
        return out


def top_cam_box(cam: np.ndarray, thr: float) -> Optional[np.ndarray]:
    """Tight box of the 4-connected CAM component with the highest peak.

    Args:
        cam (np.ndarray): ``(H, W)`` normalised CAM.
        thr (float): Foreground level (relative to the max, CAMs are
            normalised).

    Returns:
        np.ndarray | None: ``x1, y1, x2, y2`` in pixels (continuous, so a
        single pixel ``(x, y)`` is ``x, y, x + 1, y + 1``), or None if
        nothing reaches ``thr``.
    """
    labels, num = ndimage.label(cam >= thr)
    if num == 0:
        return None
    peaks = ndimage.maximum(cam, labels, np.arange(1, num + 1))
    ys, xs = np.nonzero(labels == int(np.argmax(peaks)) + 1)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1],
                    np.float64)


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one ``x1, y1, x2, y2`` box with ``(N, 4)`` boxes."""
    w = np.clip(np.minimum(box[2], boxes[:, 2]) -
                np.maximum(box[0], boxes[:, 0]), 0, None)
    h = np.clip(np.minimum(box[3], boxes[:, 3]) -
                np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = w * h
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-12)


def per_class_rate(classes: np.ndarray, hits: np.ndarray) -> float:
    """CorLoc in %: the hit rate of each class, averaged over the classes.

    Args:
        classes (np.ndarray): ``(N,)`` class of each (image, class) pair.
        hits (np.ndarray): ``(N,)`` whether the pair's box is correct.
    """
    classes, hits = np.asarray(classes), np.asarray(hits, np.float64)
    return float(
        np.mean([hits[classes == c].mean() for c in np.unique(classes)]) *
        100)


@METRICS.register_module()
class CAMCorLoc(BaseMetric):
    """Box CorLoc of the top CAM component per ground-truth class.

    For every (image, positive class) pair: the CAM is resized to the
    network input (``img_shape``, where the pipeline has put
    ``gt_bboxes`` too), thresholded at ``thr``, and the tight box of its
    4-connected component with the highest peak is correct when its IoU
    with some ground-truth box of that class is at least ``iou_thr``.
    CorLoc is the share of correct pairs per class, averaged over the
    classes that occur. ``CorLoc_centre`` is the same score for a box of
    the mean relative ground-truth size centred in the image, the floor a
    localising model must clear. Needs ``gt_bboxes`` and
    ``gt_bboxes_labels`` packed (``PackInputs(algorithm_keys=...)``).

    Args:
        thr (float): CAM foreground level. Defaults to 0.2.
        iou_thr (float): Defaults to 0.5.
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'cam'``.
    """

    default_prefix = 'cam'

    def __init__(self,
                 thr: float = 0.2,
                 iou_thr: float = 0.5,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.thr = thr
        self.iou_thr = iou_thr

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Record one (class, hit, GT boxes, size) row per positive class."""
        for sample in data_samples:
            if 'gt_bboxes' not in sample:
                raise KeyError(
                    'CAMCorLoc needs gt_bboxes and gt_bboxes_labels on the '
                    'samples: add PackInputs(algorithm_keys=(\'gt_bboxes\', '
                    '\'gt_bboxes_labels\')) to the test pipeline of '
                    f'{sample.get("img_path", "the dataset")}.')
            size = tuple(int(s) for s in sample['img_shape'])
            boxes = np.asarray(torch.as_tensor(sample['gt_bboxes']).cpu(),
                               np.float64).reshape(-1, 4)
            box_labels = np.asarray(
                torch.as_tensor(sample['gt_bboxes_labels']).cpu(), np.int64)
            classes = _labels(sample)
            cams = _upsample(_select(sample['cam'], classes), size)
            for cam, c in zip(cams, classes):
                gt = boxes[box_labels == c]
                pred = top_cam_box(cam, self.thr)
                hit = (pred is not None and len(gt) > 0
                       and box_iou(pred, gt).max() >= self.iou_thr)
                self.results.append((int(c), bool(hit), gt, size))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """CorLoc and the centred-box floor, in %."""
        logger = MMLogger.get_current_instance()
        if not results:
            logger.warning('CAMCorLoc: no positive class to score.')
            return dict(CorLoc=float('nan'), CorLoc_centre=float('nan'))
        relative = np.concatenate([
            np.stack([(g[:, 2] - g[:, 0]) / s[1], (g[:, 3] - g[:, 1]) / s[0]],
                     1) for _, _, g, s in results if len(g)
        ])
        mean_w, mean_h = relative.mean(0)
        classes = np.array([r[0] for r in results])
        hits = np.array([r[1] for r in results], np.float64)
        centre_hits = np.zeros(len(results))
        for i, (_, _, gt, (h, w)) in enumerate(results):
            box = np.array([w * (1 - mean_w) / 2, h * (1 - mean_h) / 2,
                            w * (1 + mean_w) / 2, h * (1 + mean_h) / 2])
            centre_hits[i] = len(gt) > 0 and box_iou(
                box, gt).max() >= self.iou_thr

        return dict(
            CorLoc=per_class_rate(classes, hits),
            CorLoc_centre=per_class_rate(classes, centre_hits))

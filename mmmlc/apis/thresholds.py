"""Decision thresholds of a multi-label model: global, top-k, per-class.

A multi-label model gives one probability per class; the labels it
predicts depend on the rule that turns those into yes/no. Three rules:

* global: ``score >= thr`` for every class (0.5 by default);
* top-k: the ``k`` highest scores of the image (with ``thr`` as well
  when both are given: a label must pass both);
* per-class: ``score >= thr_c``, the thresholds fitted on a validation
  split by :func:`fit_f1_thresholds` (each class's F1 maximiser) or
  :func:`fit_precision_thresholds` (the highest recall at a target
  precision), and stored in a small JSON file beside the checkpoint
  (:func:`save_thresholds`, :func:`load_thresholds`).

Scores and targets follow :mod:`mmmlc.evaluation.functional`: ``scores``
``(N, C)``, ``targets`` ``(N, C)`` with 1 positive, 0 negative and -1
ignored (VOC difficult), ignored entries play no part in a fit. See
docs/use_a_trained_model.md.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

THRESHOLDS_FORMAT = 'mmmlc-thresholds/1'
FIT_METHODS = ('f1', 'precision')


def thresholds_path_for(checkpoint: str) -> str:
    """Path of the thresholds JSON that belongs to ``checkpoint``.

    ``work_dirs/x/epoch_8.pth`` -> ``work_dirs/x/epoch_8.thresholds.json``.
    """
    return osp.splitext(checkpoint)[0] + '.thresholds.json'


def _cuts(scores: np.ndarray,
          positive: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts at every distinct cut ``score >= u`` of one class.

    Args:
        scores (np.ndarray): (M,) scores of the valid samples.
        positive (np.ndarray): (M,) bool, True for positives.

    Returns:
        tuple: ``values`` (K,) the distinct scores in decreasing order,
        ``tp`` (K,) and ``fp`` (K,) true / false positives when every
        sample with ``score >= values[k]`` is predicted positive.
    """
    order = np.argsort(-scores, kind='stable')
    sorted_scores, sorted_pos = scores[order], positive[order]
    tp = np.cumsum(sorted_pos)
    fp = np.cumsum(~sorted_pos)
    # The last index of each group of tied scores: a cut takes a whole tie.
    last = np.r_[np.flatnonzero(np.diff(sorted_scores)),
                 len(sorted_scores) - 1]
    return sorted_scores[last], tp[last], fp[last]


def _threshold_between(values: np.ndarray, k: int) -> float:
    """Midway between the cut's score and the next lower one.

    Any value in ``(values[k + 1], values[k]]`` gives the same predictions
    on the fitting data; the middle leaves room on both sides for new
    images. The lowest cut keeps its own score.
    """
    if k + 1 < len(values):
        return float((float(values[k]) + float(values[k + 1])) / 2)
    return float(values[k])


def _valid_columns(scores: np.ndarray, targets: np.ndarray):
    scores = np.asarray(scores, dtype=np.float64)
    targets = np.asarray(targets)
    if scores.ndim != 2 or scores.shape != targets.shape:
        raise ValueError('scores and targets must both have shape (N, C), '
                         f'got {scores.shape} and {targets.shape}')
    for c in range(scores.shape[1]):
        valid = targets[:, c] >= 0
        yield c, scores[valid, c], targets[valid, c] == 1


def _unfitted(num_classes: int, default: float) -> Dict[str, np.ndarray]:
    return dict(thresholds=np.full(num_classes, float(default)),
                fitted=np.zeros(num_classes, bool),
                f1=np.full(num_classes, np.nan),
                precision=np.full(num_classes, np.nan),
                recall=np.full(num_classes, np.nan))


def fit_f1_thresholds(scores: np.ndarray,
                      targets: np.ndarray,
                      default: float = 0.5) -> Dict[str, np.ndarray]:
    """Per-class thresholds that maximise each class's F1 on the given data.

    For class ``c`` every distinct score ``u`` is a candidate cut
    (predict ``score >= u``), with

    .. math::
        F1_c(u) = \\frac{2\\,TP(u)}{2\\,TP(u) + FP(u) + FN(u)}

    The best cut is the one with the highest F1 (the highest score among
    equal F1); the threshold is midway between its score and the next lower
    distinct score. A class with no positive sample cannot be fitted and
    keeps ``default``.

    Args:
        scores (np.ndarray): (N, C) probabilities.
        targets (np.ndarray): (N, C) 1 / 0 / -1 (ignored).
        default (float): Threshold of classes that cannot be fitted.

    Returns:
        dict: ``thresholds`` (C,), ``fitted`` (C,) bool, and the fitting
        data's ``f1``, ``precision``, ``recall`` (C,) at the threshold
        (NaN where not fitted).
    """
    out = _unfitted(np.shape(scores)[1], default)
    for c, class_scores, positive in _valid_columns(scores, targets):
        num_pos = int(positive.sum())
        if num_pos == 0:
            continue
        values, tp, fp = _cuts(class_scores, positive)
        f1 = 2 * tp / (2 * tp + fp + (num_pos - tp))
        k = int(np.argmax(f1))  # first maximum: the highest cut
        out['thresholds'][c] = _threshold_between(values, k)
        out['fitted'][c] = True
        out['f1'][c] = f1[k]
        out['precision'][c] = tp[k] / (tp[k] + fp[k])
        out['recall'][c] = tp[k] / num_pos
    return out


def fit_precision_thresholds(scores: np.ndarray,
                             targets: np.ndarray,
                             target_precision: float,
                             default: float = 0.5) -> Dict[str, np.ndarray]:
    """Per-class thresholds with the highest recall at a target precision.

    Among the cuts whose precision ``TP / (TP + FP)`` reaches
    ``target_precision``, the one with the most true positives (the
    highest score among those) is taken. When no cut reaches the target,
    the cut with the highest precision is taken and ``reached`` is False
    for that class. Thresholds sit midway to the next lower score, as in
    :func:`fit_f1_thresholds`; classes without positives keep ``default``.

    Args:
        scores (np.ndarray): (N, C) probabilities.
        targets (np.ndarray): (N, C) 1 / 0 / -1 (ignored).
        target_precision (float): In (0, 1].
        default (float): Threshold of classes that cannot be fitted.

    Returns:
        dict: as :func:`fit_f1_thresholds` plus ``reached`` (C,) bool.
    """
    if not 0 < target_precision <= 1:
        raise ValueError('target_precision must be in (0, 1], got '
                         f'{target_precision}')
    out = _unfitted(np.shape(scores)[1], default)
    out['reached'] = np.zeros(len(out['fitted']), bool)
    for c, class_scores, positive in _valid_columns(scores, targets):
        num_pos = int(positive.sum())
        if num_pos == 0:
            continue
        values, tp, fp = _cuts(class_scores, positive)
        precision = tp / (tp + fp)
        ok = np.flatnonzero(precision >= target_precision)
        if ok.size:
            best_tp = tp[ok].max()
            k = int(ok[tp[ok] == best_tp][0])
            out['reached'][c] = True
        else:
            k = int(np.argmax(precision))
        out['thresholds'][c] = _threshold_between(values, k)
        out['fitted'][c] = True
        out['precision'][c] = precision[k]
        out['recall'][c] = tp[k] / num_pos
        out['f1'][c] = 2 * tp[k] / (2 * tp[k] + fp[k] + num_pos - tp[k])
    return out


def decide_labels(scores: np.ndarray,
                  thr: Union[None, float, Sequence[float]] = 0.5,
                  topk: Optional[int] = None) -> np.ndarray:
    """Predicted labels of each image as a (N, C) bool array.

    A label is predicted when ``score >= thr`` (``thr`` a float or a (C,)
    per-class array; None for no threshold) and, when ``topk`` is given,
    it is among the image's ``topk`` highest scores (ties broken by class
    index, the lower first).

    Args:
        scores (np.ndarray): (N, C) or (C,) probabilities.
        thr (float | Sequence[float], optional): Threshold(s).
        topk (int, optional): Keep at most the k highest scores.

    Returns:
        np.ndarray: bool of the shape of ``scores``.
    """
    scores = np.asarray(scores)
    if thr is None and topk is None:
        raise ValueError('give a threshold, a top-k or both')
    pred = np.ones(scores.shape, bool)
    if thr is not None:
        thr = np.asarray(thr, dtype=np.float64)
        if thr.ndim and thr.shape[-1] != scores.shape[-1]:
            raise ValueError(f'{thr.shape[-1]} thresholds for '
                             f'{scores.shape[-1]} classes')
        pred &= scores >= thr
    if topk is not None:
        if topk < 1:
            raise ValueError(f'topk must be >= 1, got {topk}')
        order = np.argsort(-scores, axis=-1, kind='stable')
        rank = np.empty_like(order)
        np.put_along_axis(rank, order,
                          np.arange(scores.shape[-1]) + np.zeros_like(order),
                          axis=-1)
        pred &= rank < topk
    return pred


def save_thresholds(path: str, thresholds: Sequence[float],
                    classes: Sequence[str], **info) -> None:
    """Write per-class thresholds and how they were fitted to ``path``.

    Args:
        path (str): The ``.json`` file.
        thresholds (Sequence[float]): (C,) thresholds.
        classes (Sequence[str]): (C,) class names, in the model's order.
        **info: JSON-serialisable facts of the fit (method, split, ...).
    """
    thresholds = [float(t) for t in thresholds]
    if len(thresholds) != len(classes):
        raise ValueError(f'{len(thresholds)} thresholds for '
                         f'{len(classes)} classes')
    record = dict(format=THRESHOLDS_FORMAT,
                  classes=[str(c) for c in classes],
                  thresholds=thresholds)
    record.update(info)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(record, f, indent=1)
        f.write('\n')


def load_thresholds(path: str,
                    classes: Optional[Sequence[str]] = None) -> dict:
    """Read a thresholds file and check it belongs to ``classes``.

    Args:
        path (str): A file written by :func:`save_thresholds`.
        classes (Sequence[str], optional): The model's classes, in order; a
            file fitted for another class list is refused.

    Returns:
        dict: The record, with ``thresholds`` as a (C,) float array.
    """
    try:
        with open(path, encoding='utf-8') as f:
            record = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f'thresholds file {path} not found') from None
    except json.JSONDecodeError as err:
        raise ValueError(
            f'thresholds file {path} is not JSON: {err}') from None
    if not isinstance(record, dict) or record.get('format') != \
            THRESHOLDS_FORMAT:
        raise ValueError(f'{path} is not a thresholds file of mmmlc (no '
                         f'"format": "{THRESHOLDS_FORMAT}"); write one with '
                         'tools/analysis_tools/fit_thresholds.py')
    file_classes: List[str] = record.get('classes', [])
    thresholds = np.asarray(record.get('thresholds', []), dtype=np.float64)
    if thresholds.shape != (len(file_classes), ):
        raise ValueError(f'{path}: {thresholds.size} thresholds for '
                         f'{len(file_classes)} classes')
    if classes is not None and list(file_classes) != [str(c)
                                                      for c in classes]:
        raise ValueError(
            f'{path} was fitted for {len(file_classes)} classes '
            f'{_preview(file_classes)}, but the model predicts '
            f'{len(classes)} classes {_preview(classes)}; refit it for this '
            'model with tools/analysis_tools/fit_thresholds.py CONFIG CKPT')
    record['thresholds'] = thresholds
    return record


def _preview(names: Sequence[str], count: int = 6) -> str:
    names = [str(n) for n in names]
    if len(names) <= count:
        return str(names)
    return str(names[:count])[:-1] + ', ...]'

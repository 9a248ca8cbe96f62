"""Multi-label metrics as pure functions: AP, mAP and CP/CR/CF1/OP/OR/OF1.

Inputs everywhere are ``scores`` ``(N, C)`` (probabilities, or any real
score where a higher value means "more positive") and ``target`` ``(N, C)``
integers with ``1`` = positive, ``0`` = negative and ``-1`` = ignored (e.g. a
VOC class present only as *difficult* objects: ignored for that class only).
Both may be numpy arrays or torch tensors; results are numpy / Python floats
as fractions in ``[0, 1]`` (:class:`~mmmlc.evaluation.MLCMetric` turns them
into percent).

The conventions follow ML-GCN (Chen et al., CVPR 2019) and SALGL (Zhu et
al., ACM MM 2023), the numbers the multi-label papers report:

* AP is scikit-learn's non-interpolated average precision, with tied scores
  grouped (precision taken at the end of each tie group).
* mAP averages AP over the classes with at least one positive.
* ``CF1 = 2 * CP * CR / (CP + CR)``, the harmonic mean of the class-averaged
  precision and recall. This is NOT the mean of per-class F1 scores, which is
  what mmpretrain's ``MultiLabelMetric(average='macro')`` reports.

Speed: all 13 numbers on 40,137 x 80 scores in about 0.1 s on one CPU core
(``tools/analysis_tools/eval_speed.py``); numpy, not torch, because its SIMD
sort is ~15x faster than ``torch.sort`` on CPU and the sort dominates AP.
"""
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]

# Sort keys are int64: the class row in the high 32 bits, an
# order-preserving integer image of the float32 score in the low 32 bits, so
# that the flattened keys of all rows form one ascending array.
_ROW_SHIFT = 32
# Dense ranks stand in for scores that float32 cannot hold exactly; float32
# holds every integer up to 2**24 exactly.
_MAX_RANKED_SAMPLES = 1 << 24


def _to_numpy(array: ArrayLike, name: str) -> np.ndarray:
    """Return ``array`` as a numpy array without copying when possible."""
    if isinstance(array, torch.Tensor):
        array = array.detach().cpu()
        if array.dtype in (torch.bfloat16, torch.float16):
            # numpy has no bfloat16; float32 holds both exactly.
            array = array.float()
        return array.numpy()
    if isinstance(array, np.ndarray):
        return array
    raise TypeError(f'`{name}` must be a numpy array or a torch tensor, '
                    f'got {type(array).__name__}.')


def _check_inputs(scores: ArrayLike,
                  target: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """Validate and convert ``scores`` / ``target`` to numpy ``(N, C)``.

    Args:
        scores (np.ndarray | torch.Tensor): ``(N, C)`` real scores.
        target (np.ndarray | torch.Tensor): ``(N, C)`` integers in
            ``{-1, 0, 1}``.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``scores`` (floating point) and
        ``target`` (integer).
    """
    scores = _to_numpy(scores, 'scores')
    target = _to_numpy(target, 'target')
    if scores.ndim != 2 or scores.shape != target.shape:
        raise ValueError('`scores` and `target` must both have shape (N, C), '
                         f'got {scores.shape} and {target.shape}.')
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)
    if np.isnan(scores).any():
        raise ValueError('`scores` contains NaN.')
    if target.dtype == bool:
        target = target.astype(np.int8)
    elif not np.issubdtype(target.dtype, np.integer):
        if not np.array_equal(target, np.round(target)):
            raise ValueError('`target` must hold integers in {-1, 0, 1}, '
                             'got non-integer values.')
        target = target.astype(np.int8)
    if target.size and (target.min() < -1 or target.max() > 1):
        raise ValueError('`target` must hold values in {-1, 0, 1} '
                         '(1 positive, 0 negative, -1 ignored), got values in '
                         f'[{target.min()}, {target.max()}].')
    return scores, target


def _label_positions(target: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Flat ``(N, C)`` indices of the positive and of the ignored entries.

    Positives are a few per image, so every count below works on these
    short index lists instead of on full ``(N, C)`` masks.
    """
    return np.flatnonzero(target == 1), np.flatnonzero(target == -1)


def _scores_as_float32(scores: np.ndarray) -> np.ndarray:
    """Class-major ``(C, N)`` float32 copy with the same order and ties.

    Args:
        scores (np.ndarray): ``(N, C)`` floats, no NaN.

    Returns:
        np.ndarray: C-contiguous ``(C, N)`` float32 that ranks the samples
        of every class exactly as ``scores`` does. Scores that float32
        cannot hold exactly are replaced by their dense rank in the class.
    """
    scores_t = scores.T.astype(np.float32, order='C')
    if scores.dtype == np.float32 or np.array_equal(scores_t, scores.T):
        return scores_t
    num_samples = scores.shape[0]
    if num_samples >= _MAX_RANKED_SAMPLES:
        raise ValueError(
            f'{num_samples} samples of scores that float32 cannot hold '
            'exactly: cast `scores` to float32 (ties may merge) or evaluate '
            f'fewer than {_MAX_RANKED_SAMPLES} samples at once.')
    order = np.argsort(scores.T, axis=1)
    sorted_scores = np.take_along_axis(scores.T, order, axis=1)
    new_value = np.ones(sorted_scores.shape, dtype=np.float32)
    # Equality, not a difference, so that -0.0 and 0.0 share a rank.
    new_value[:, 1:] = sorted_scores[:, 1:] != sorted_scores[:, :-1]
    np.put_along_axis(scores_t, order, np.cumsum(new_value, axis=1), axis=1)
    return scores_t


def _ascending_int(values: np.ndarray, has_negative: bool) -> np.ndarray:
    """int64 image of float32 ``values`` with the same order, < 2**32."""
    bits = values.view(np.uint32)
    if not has_negative:
        # Non-negative floats already order like their bit patterns.
        return bits.astype(np.int64)
    negative = bits >= np.uint32(0x80000000)
    return np.where(negative, ~bits,
                    bits | np.uint32(0x80000000)).astype(np.int64)


def _average_precision(scores: np.ndarray, pos_idx: np.ndarray,
                       ign_idx: np.ndarray) -> np.ndarray:
    """:func:`average_precision` on checked scores and label positions.

    One ``np.sort`` of the float32 class rows (SIMD: about 4x faster than
    ``np.argsort``, and several times faster than ``torch.sort`` on CPU),
    then, for each positive only, three binary searches: how many samples,
    positives and ignored entries of its class score at least as high. Those
    counts are taken at the end of the positive's tie group, which is
    exactly sklearn's precision at that threshold.
    """
    num_samples, num_classes = scores.shape
    scores_t = _scores_as_float32(scores)
    # -0.0 + 0.0 == +0.0: -0.0 and 0.0 tie in sklearn, their bits differ.
    scores_t += np.float32(0.0)
    has_negative = bool(scores_t.size) and scores_t.min() < 0
    row_key = np.arange(num_classes + 1, dtype=np.int64) << _ROW_SHIFT

    def sorted_keys(flat_idx: np.ndarray) -> np.ndarray:
        sample, cls = np.divmod(flat_idx, num_classes)
        keys = _ascending_int(scores_t[cls, sample], has_negative)
        keys += row_key[cls]
        keys.sort()
        return keys

    pos_keys = sorted_keys(pos_idx)
    ign_keys = sorted_keys(ign_idx)
    scores_t.sort(axis=1)
    all_keys = _ascending_int(scores_t, has_negative)
    all_keys += row_key[:-1, None]
    all_keys = all_keys.ravel()

    cls = pos_keys >> _ROW_SHIFT
    num_pos = np.bincount(cls, minlength=num_classes)
    # Samples, positives and ignored entries of the class scoring >= each
    # positive: everything up to the end of the class row minus what sorts
    # before the positive's key (its tie group included).
    next_row = (cls + 1) << _ROW_SHIFT
    ranked = (cls + 1) * num_samples - np.searchsorted(all_keys, pos_keys)
    true_pos = (np.searchsorted(pos_keys, next_row) -
                np.searchsorted(pos_keys, pos_keys))
    if ign_keys.size:
        ranked -= (np.searchsorted(ign_keys, next_row) -
                   np.searchsorted(ign_keys, pos_keys))
    # Each positive adds 1/P of recall at its group's precision.
    ap_sum = np.bincount(cls, weights=true_pos / ranked, minlength=num_classes)
    ap = np.full(num_classes, np.nan)
    np.divide(ap_sum, num_pos, out=ap, where=num_pos > 0)
    return ap


def average_precision(scores: ArrayLike, target: ArrayLike) -> np.ndarray:
    r"""Non-interpolated average precision of every class.

    .. math::
        \mathrm{AP}_c = \sum_g (R_g - R_{g-1}) P_g

    over the groups ``g`` of tied scores in descending order, with precision
    ``P_g`` and recall ``R_g`` taken at the end of each group. This equals
    ``sklearn.metrics.average_precision_score(y_true[:, c], y_score[:, c])``
    after removing the entries of class ``c`` whose target is -1. Unlike
    mmpretrain's ``AveragePrecision``, tied scores are grouped, so AP does
    not depend on the order of tied samples.

    Vectorised over classes and samples: one sort of all class rows, then
    binary searches for the positives only (no Python loop).

    Args:
        scores (np.ndarray | torch.Tensor): ``(N, C)`` scores.
        target (np.ndarray | torch.Tensor): ``(N, C)`` in ``{-1, 0, 1}``.

    Returns:
        np.ndarray: ``(C,)`` float64 AP in ``[0, 1]``; NaN for a class with
        no positive.
    """
    scores, target = _check_inputs(scores, target)
    return _average_precision(scores, *_label_positions(target))


def mean_average_precision(scores: ArrayLike,
                           target: ArrayLike) -> Tuple[float, List[int]]:
    """Mean of :func:`average_precision` over classes with >= 1 positive.

    Args:
        scores (np.ndarray | torch.Tensor): ``(N, C)`` scores.
        target (np.ndarray | torch.Tensor): ``(N, C)`` in ``{-1, 0, 1}``.

    Returns:
        tuple[float, list[int]]: mAP in ``[0, 1]`` (NaN when no class has a
        positive) and the indices of the classes left out of the mean
        because they have no positive.
    """
    return _mean_over_valid(average_precision(scores, target))


def _mean_over_valid(ap: np.ndarray) -> Tuple[float, List[int]]:
    """Mean of the non-NaN entries of ``ap`` and the NaN indices."""
    valid = ~np.isnan(ap)
    mean = float(ap[valid].mean()) if valid.any() else float('nan')
    return mean, np.flatnonzero(~valid).tolist()


def topk_mask(scores: ArrayLike, k: int) -> np.ndarray:
    """Boolean mask of the ``k`` highest scores of every row.

    Tie rule at the k-th place: the classes with the lower index win, so
    every row has exactly ``min(k, C)`` labels, the first ``k`` of a stable
    sort by descending score (``torch.topk`` leaves this choice
    unspecified).

    Args:
        scores (np.ndarray | torch.Tensor): ``(N, C)`` scores, no NaN.
        k (int): Labels kept per row, ``k >= 1``.

    Returns:
        np.ndarray: ``(N, C)`` bool.
    """
    scores = _to_numpy(scores, 'scores')
    if k < 1:
        raise ValueError(f'`k` must be >= 1, got {k}.')
    num_classes = scores.shape[1]
    if k >= num_classes:
        return np.ones(scores.shape, dtype=bool)
    kth = np.partition(scores, num_classes - k, axis=1)[:, num_classes - k,
                                                        None]
    mask = scores > kth
    tied = scores == kth
    slots = k - np.count_nonzero(mask, axis=1)
    overfull = np.flatnonzero(np.count_nonzero(tied, axis=1) > slots)
    if overfull.size:
        sub = tied[overfull]
        sub &= np.cumsum(sub, axis=1) <= slots[overfull, None]
        tied[overfull] = sub
    mask |= tied
    return mask


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` with ``x / 0`` read as 0."""
    return float(numerator / denominator) if denominator > 0 else 0.0


def _harmonic(precision: float, recall: float) -> float:
    """``2PR / (P + R)``: 0 when both are 0, NaN when either is NaN."""
    total = precision + recall
    return 2 * precision * recall / total if total != 0 else total


def threshold_metrics(scores: ArrayLike,
                      target: ArrayLike,
                      thr: float = 0.5,
                      topk: Optional[int] = None) -> Dict[str, float]:
    """CP, CR, CF1, OP, OR, OF1 of thresholded (optionally top-k) scores.

    A label is predicted when ``score >= thr`` and, if ``topk`` is given,
    it is also among the ``topk`` highest scores of its image (see
    :func:`topk_mask` for ties). Per class ``c``, over the entries whose
    target is not -1: ``Nc`` correct predictions, ``Np`` predictions,
    ``Ng`` ground-truth positives. Then (ML-GCN / SALGL convention)::

        CP = mean_c Nc / Np      CR = mean_c Nc / Ng
        CF1 = 2 * CP * CR / (CP + CR)
        OP = sum Nc / sum Np     OR = sum Nc / sum Ng
        OF1 = 2 * OP * OR / (OP + OR)

    ``CF1`` is the harmonic mean of CP and CR, not the mean of per-class F1
    scores (mmpretrain's macro F1). The class means run over the classes with
    at least one positive (the same classes as mAP); a class with ``Np = 0``
    counts as precision 0 (as in ML-GCN). The overall sums run over all
    classes, so false positives of a class without positives still lower
    OP. ``0 / 0`` in OP, OR and the F1s reads as 0; CP, CR and CF1 are NaN
    when no class has a positive.

    Args:
        scores (np.ndarray | torch.Tensor): ``(N, C)`` scores.
        target (np.ndarray | torch.Tensor): ``(N, C)`` in ``{-1, 0, 1}``.
        thr (float): Score threshold (0.5 on probabilities). Defaults to 0.5.
        topk (int, optional): Keep only the top-k labels of each image.
            Defaults to None (no top-k restriction).

    Returns:
        dict[str, float]: ``CP, CR, CF1, OP, OR, OF1`` in ``[0, 1]``.
    """
    scores, target = _check_inputs(scores, target)
    return _threshold_metrics(scores, *_label_positions(target), thr, topk)


def _threshold_metrics(scores: np.ndarray, pos_idx: np.ndarray,
                       ign_idx: np.ndarray, thr: float,
                       topk: Optional[int]) -> Dict[str, float]:
    """:func:`threshold_metrics` on checked scores and label positions."""
    num_classes = scores.shape[1]
    pred = scores >= thr
    if topk is not None:
        # Only images with more than k labels over thr change: the labels
        # over thr are the image's highest scores, so <= k of them are all
        # within its top k.
        over = np.flatnonzero(
            np.add.reduce(pred.view(np.uint8), axis=1, dtype=np.int64) > topk)
        if over.size == len(scores):
            pred &= topk_mask(scores, topk)
        elif over.size:
            pred[over] &= topk_mask(scores[over], topk)
    flat_pred = pred.ravel()
    pos_cls = pos_idx % num_classes
    num_gt = np.bincount(pos_cls, minlength=num_classes)
    num_correct = np.bincount(pos_cls[flat_pred[pos_idx]],
                              minlength=num_classes)
    num_pred = np.add.reduce(pred.view(np.uint8), axis=0, dtype=np.int64)
    num_pred -= np.bincount(ign_idx[flat_pred[ign_idx]] % num_classes,
                            minlength=num_classes)

    has_pos = num_gt > 0
    if has_pos.any():
        class_prec = np.zeros(num_classes)
        np.divide(num_correct, num_pred, out=class_prec, where=num_pred > 0)
        cp = float(class_prec[has_pos].mean())
        cr = float((num_correct[has_pos] / num_gt[has_pos]).mean())
    else:
        cp = cr = float('nan')
    op = _ratio(num_correct.sum(), num_pred.sum())
    overall_recall = _ratio(num_correct.sum(), num_gt.sum())
    return dict(CP=cp,
                CR=cr,
                CF1=_harmonic(cp, cr),
                OP=op,
                OR=overall_recall,
                OF1=_harmonic(op, overall_recall))


def multilabel_metrics(
        scores: ArrayLike,
        target: ArrayLike,
        thr: float = 0.5,
        topk: Optional[int] = 3) -> Tuple[Dict[str, float], np.ndarray]:
    """All metrics at once: mAP, the six threshold metrics and their top-k.

    Args:
        scores (np.ndarray | torch.Tensor): ``(N, C)`` scores.
        target (np.ndarray | torch.Tensor): ``(N, C)`` in ``{-1, 0, 1}``.
        thr (float): Score threshold. Defaults to 0.5.
        topk (int, optional): k of the top-k metrics; None skips them.
            Defaults to 3.

    Returns:
        tuple[dict[str, float], np.ndarray]: ``{'mAP', 'CP', 'CR', 'CF1',
        'OP', 'OR', 'OF1'}`` plus ``'CP_top{k}'`` ... ``'OF1_top{k}'`` when
        ``topk`` is set, all in ``[0, 1]``; and the ``(C,)`` per-class AP
        (NaN for the classes left out of mAP).
    """
    scores, target = _check_inputs(scores, target)
    positions = _label_positions(target)
    ap = _average_precision(scores, *positions)
    results = {'mAP': _mean_over_valid(ap)[0]}
    results.update(_threshold_metrics(scores, *positions, thr, None))
    if topk is not None:
        top = _threshold_metrics(scores, *positions, thr, topk)
        results.update({f'{k}_top{topk}': v for k, v in top.items()})
    return results, ap

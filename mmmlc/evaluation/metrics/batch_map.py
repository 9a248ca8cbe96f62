"""``BatchMeanAP``: the batch-averaged mAP of Object-aware cropping's code."""
from typing import Dict, List, Optional

import numpy as np
from mmengine.logging import MMLogger

from mmmlc.registry import METRICS
from ..functional import average_precision
from .multilabel_metric import MLCMetric


def batch_mean_average_precision(scores: np.ndarray, target: np.ndarray,
                                 batch_size: int) -> Dict[str, float]:
    """mAP per consecutive chunk of ``batch_size`` samples, then averaged.

    For each chunk of ``batch_size`` consecutive samples (the last one may
    be shorter): AP of every class with at least one positive in the chunk
    (:func:`~mmmlc.evaluation.functional.average_precision`), mean over
    those classes; then the mean of the chunk values weighted by chunk size.
    Chunks in which no class has a positive have no value and are skipped
    (the reference would turn the whole average into NaN).

    Args:
        scores (np.ndarray): ``(N, C)`` scores in dataset order.
        target (np.ndarray): ``(N, C)`` in ``{-1, 0, 1}``.
        batch_size (int): Chunk size B.

    Returns:
        dict[str, float]: ``mAP`` in ``[0, 1]`` (NaN if no chunk has a
        positive), ``num_chunks`` and ``num_skipped`` (chunks without a
        positive).
    """
    if batch_size < 1:
        raise ValueError(f'batch_size must be >= 1, got {batch_size}.')
    num_samples = len(scores)
    values, weights = [], []
    for start in range(0, num_samples, batch_size):
        ap = average_precision(scores[start:start + batch_size],
                               target[start:start + batch_size])
        valid = ~np.isnan(ap)
        if valid.any():
            values.append(ap[valid].mean())
            weights.append(min(batch_size, num_samples - start))
    num_chunks = -(-num_samples // batch_size)
    mean = (float(np.average(values, weights=weights))
            if values else float('nan'))
    return dict(mAP=mean, num_chunks=num_chunks,
                num_skipped=num_chunks - len(values))


@METRICS.register_module()
class BatchMeanAP(MLCMetric):
    """"ref-batch-mAP(B)": the linear-probe metric of the reference code.

    Object-aware cropping's ``main_lincls.py`` (docs/reference/
    object_aware_cropping.md) reports, instead of a dataset-level
    mAP, the mean over test mini-batches of each batch's mAP (AP of the
    classes with a positive in that batch), weighted by batch size. This
    metric computes that over consecutive chunks of ``batch_size`` test
    samples in dataset order, which is what the reference computes on one
    GPU with validation batch ``batch_size`` (no shuffling); with n GPUs
    its batches are ``256 / n`` interleaved samples, another number.

    The value depends on B (a class with few positives gets a high AP in
    the chunks that hold one), so it is not comparable to the dataset-level
    mAP of :class:`MLCMetric` (the primary number); report it only next to
    the paper's table, with B. AP groups tied scores as scikit-learn does
    (the reference ranks ties in ``argsort`` order); with real-valued
    scores ties are rare.

    Ground truth as in :class:`MLCMetric` (``gt_label`` positive,
    ``gt_label_difficult`` only ignored for its class).

    Args:
        batch_size (int): Chunk size B; the reference's is 256 (its
            validation batch on one GPU). Defaults to 256.
        collect_device (str): Device used to collect results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names; None uses
            ``default_prefix`` (``'multi-label'``). Defaults to None.
    """

    def __init__(self,
                 batch_size: int = 256,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(
            items=('mAP', ), topk=None, collect_device=collect_device,
            prefix=prefix)
        if batch_size < 1:
            raise ValueError(
                f'BatchMeanAP: `batch_size` must be >= 1, got {batch_size}.')
        self.batch_size = int(batch_size)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the batch-averaged mAP over all processed samples.

        Args:
            results (list[dict]): The collected outputs of
                :meth:`MLCMetric.process`, in dataset order.

        Returns:
            dict[str, float]: ``{'ref-batch-mAP_B{batch_size}': value}`` in
            percent.
        """
        scores, target = self.stack_results(results)
        out = batch_mean_average_precision(scores, target, self.batch_size)
        if out['num_skipped']:
            MMLogger.get_current_instance().warning(
                f'BatchMeanAP: {out["num_skipped"]} of {out["num_chunks"]} '
                f'chunks of {self.batch_size} samples have no positive label '
                'and are left out of the average.')
        return {f'ref-batch-mAP_B{self.batch_size}': out['mAP'] * 100}

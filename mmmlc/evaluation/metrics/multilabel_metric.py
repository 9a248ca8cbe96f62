"""``MLCMetric``: mAP and CP/CR/CF1/OP/OR/OF1 (all labels and top-k)."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger
from mmpretrain.structures import format_label

from mmmlc.registry import METRICS
from ..functional import multilabel_metrics

# Not mmpretrain's AveragePrecision / MultiLabelMetric: its AP ranks tied
# scores one by one (order-dependent, differs from sklearn), its macro F1 is
# the mean of per-class F1 instead of 2*CP*CR/(CP+CR), and MultiLabelMetric
# has no per-class ignored (-1) entries; see mmmlc.evaluation.functional.
_ITEMS = ('mAP', 'CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')


@METRICS.register_module()
class MLCMetric(BaseMetric):
    """The multi-label classification metrics of the ML-GCN / SALGL papers.

    Reports, in percent:

    * ``mAP``: scikit-learn's non-interpolated AP averaged over the classes
      that have at least one positive sample; the classes left out are
      logged (by name when ``dataset_meta`` has ``classes``).
    * ``CP, CR, CF1, OP, OR, OF1`` with a label predicted when its score is
      ``>= thr``, and ``CP_top{k}`` ... ``OF1_top{k}`` where, in addition,
      the label must be among the ``k`` highest scores of its image.
      ``CF1 = 2 * CP * CR / (CP + CR)`` (not mmpretrain's mean of per-class
      F1). See :func:`mmmlc.evaluation.functional.threshold_metrics` for
      the exact rules (empty classes, ties, 0/0).

    Ground truth per image: the classes in ``gt_label`` are positive, the
    classes in ``gt_label_difficult`` that are not in ``gt_label`` (VOC:
    present only as difficult objects) are ignored for that class only,
    all others are negative.

    Args:
        thr (float): Score threshold on ``pred_score`` (probabilities).
            Defaults to 0.5.
        topk (int, optional): k of the top-k metrics; None skips them.
            Defaults to 3.
        items (Sequence[str]): Metrics to report, from ``'mAP', 'CP', 'CR',
            'CF1', 'OP', 'OR', 'OF1'``; each threshold metric is reported
            both plain and with the ``_top{k}`` suffix. Defaults to all.
        collect_device (str): Device used to collect results across ranks,
            ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names; None uses
            ``default_prefix`` (``'multi-label'``). Defaults to None.
    """
    default_prefix: Optional[str] = 'multi-label'

    def __init__(self,
                 thr: float = 0.5,
                 topk: Optional[int] = 3,
                 items: Sequence[str] = _ITEMS,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        unknown = [item for item in items if item not in _ITEMS]
        if unknown or not items:
            raise ValueError(f'MLCMetric: `items` must be a non-empty subset '
                             f'of {_ITEMS}, got {tuple(items)}.')
        if topk is not None and topk < 1:
            raise ValueError(f'MLCMetric: `topk` must be >= 1 or None, got '
                             f'{topk}.')
        self.thr = float(thr)
        self.topk = topk
        self.items = tuple(items)

    def process(self, data_batch: Optional[dict],
                data_samples: Sequence[dict]) -> None:
        """Store one compact score row and one target row per sample.

        Args:
            data_batch (dict, optional): The batch from the dataloader
                (unused).
            data_samples (Sequence[dict]): mmpretrain ``DataSample``s as
                dicts (``DataSample.to_dict()``), with ``pred_score`` (C,),
                ``gt_label`` (class indices) and optionally
                ``gt_label_difficult`` (class indices).
        """
        for sample in data_samples:
            for key in ('pred_score', 'gt_label'):
                if key not in sample:
                    raise KeyError(
                        f'MLCMetric expects data samples with `pred_score` '
                        f'and `gt_label` (mmpretrain DataSample), got keys '
                        f'{sorted(sample)}.')
            score = sample['pred_score']
            if isinstance(score, torch.Tensor):
                score = score.detach().float().cpu().numpy()
            # A copy: a row view would pin the model's whole batch output.
            score = np.array(score, dtype=np.float32)
            if score.ndim != 1:
                raise ValueError('MLCMetric: `pred_score` must have shape '
                                 f'(num_classes,), got {score.shape}.')
            target = np.zeros(score.shape[0], dtype=np.int8)
            difficult = sample.get('gt_label_difficult')
            if difficult is not None:
                target[self._indices(difficult, len(target))] = -1
            # Positive wins: a class with both a normal and a difficult object
            # is positive (the same rule as mmpretrain's VOC metrics).
            target[self._indices(sample['gt_label'], len(target))] = 1
            self.results.append(dict(pred_score=score, target=target))

    @staticmethod
    def _indices(labels: object, num_classes: int) -> np.ndarray:
        """Class indices of ``labels`` (tensor, array, list or int)."""
        indices = format_label(labels).numpy()
        if indices.size and (indices.min() < 0
                             or indices.max() >= num_classes):
            raise ValueError(f'MLCMetric: label indices {indices.tolist()} '
                             f'out of range for {num_classes} classes.')
        return indices

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the metrics over all processed samples.

        Args:
            results (list[dict]): The collected outputs of :meth:`process`.

        Returns:
            dict[str, float]: Metric name -> value in percent, e.g.
            ``{'mAP': .., 'CP': .., ..., 'CP_top3': .., ...}``.
        """
        scores, target = self.stack_results(results)
        values, ap = multilabel_metrics(scores, target, self.thr, self.topk)
        self._log_excluded(
            np.flatnonzero(np.isnan(ap)).tolist(), scores.shape[1])

        metrics = {}
        for item in self.items:
            metrics[item] = values[item] * 100
            if item != 'mAP' and self.topk is not None:
                name = f'{item}_top{self.topk}'
                metrics[name] = values[name] * 100
        return metrics

    def stack_results(self,
                      results: List[dict]) -> Tuple[np.ndarray, np.ndarray]:
        """The rows of :meth:`process` as two ``(N, C)`` arrays.

        Args:
            results (list[dict]): The collected outputs of :meth:`process`.

        Returns:
            tuple: ``scores`` float32 and ``target`` int8 in ``{-1, 0, 1}``,
            in the order of ``results``.
        """
        name = type(self).__name__
        if not results:
            raise ValueError(f'{name}: no samples to evaluate.')
        lengths = {len(res['pred_score']) for res in results}
        if len(lengths) != 1:
            raise ValueError(f'{name}: every `pred_score` must have the '
                             f'same number of classes, got {sorted(lengths)}.')
        # concatenate + reshape: about 2x faster than np.stack on 40k rows.
        scores = np.concatenate([res['pred_score'] for res in results])
        scores = scores.reshape(len(results), -1)
        target = np.concatenate([res['target'] for res in results])
        return scores, target.reshape(scores.shape)

    def _log_excluded(self, excluded: List[int], num_classes: int) -> None:
        """Warn which classes have no positive and are left out of means."""
        if not excluded:
            return
        classes = (self.dataset_meta or {}).get('classes')
        if classes is not None and len(classes) == num_classes:
            names = [str(classes[i]) for i in excluded]
        else:
            names = [str(i) for i in excluded]
        MMLogger.get_current_instance().warning(
            f'MLCMetric: {len(excluded)} of {num_classes} classes have no '
            'positive sample and are left out of mAP, CP and CR: '
            f'{", ".join(names)}.')

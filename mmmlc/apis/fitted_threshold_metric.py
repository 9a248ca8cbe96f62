"""``FittedThresholdMetric``: CP ... OF1 at per-class fitted thresholds."""
from typing import Dict, List, Optional

import numpy as np
from mmengine.logging import MMLogger

from mmmlc.evaluation import MLCMetric, threshold_metrics
from mmmlc.registry import METRICS
from .thresholds import decide_labels, load_thresholds

_ITEMS = ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')


@METRICS.register_module()
class FittedThresholdMetric(MLCMetric):
    """The threshold metrics of :class:`MLCMetric` at fitted thresholds.

    ``tools/test.py`` appends it when a thresholds file
    (``tools/analysis_tools/fit_thresholds.py``) lies beside the
    checkpoint or is given with ``--thresholds``. A label is predicted when
    ``score >= thr_c``; the counting rules (ignored difficult entries,
    classes without positives, CF1 = 2 CP CR / (CP + CR)) are
    :func:`mmmlc.evaluation.threshold_metrics`'. There is no top-k variant
    and no mAP (it does not depend on thresholds). The file must be fitted
    for the dataset's classes.

    Args:
        thresholds_file (str): JSON written by ``fit_thresholds.py``.
        collect_device (str): Device used to collect results across ranks.
        prefix (str, optional): Defaults to ``'fitted-thr'``.
    """
    default_prefix: Optional[str] = 'fitted-thr'

    def __init__(self,
                 thresholds_file: str,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(topk=None, collect_device=collect_device,
                         prefix=prefix)
        self.thresholds_file = thresholds_file
        # Read now: a missing or malformed file fails before the test run.
        self.record = load_thresholds(thresholds_file)

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """CP, CR, CF1, OP, OR, OF1 in percent at the fitted thresholds."""
        classes = (self.dataset_meta or {}).get('classes')
        if classes is not None:
            load_thresholds(self.thresholds_file, classes)
        scores = np.stack([res['pred_score'] for res in results])
        target = np.stack([res['target'] for res in results])
        thresholds = self.record['thresholds']
        if len(thresholds) != scores.shape[1]:
            raise ValueError(f'{self.thresholds_file}: {len(thresholds)} '
                             f'thresholds for {scores.shape[1]} scores')
        # Binary scores at 0.5 reproduce score >= thr_c exactly.
        predicted = decide_labels(scores, thresholds).astype(np.float32)
        values = threshold_metrics(predicted, target, thr=0.5)
        MMLogger.get_current_instance().info(
            f'Threshold metrics at the per-class thresholds of '
            f'{self.thresholds_file} (fitted on the '
            f'{self.record.get("split", "?")} split, '
            f'{self.record.get("method", "?")})')
        return {item: values[item] * 100 for item in _ITEMS}

"""``DumpMultiLabelPredictions``: per-image scores and labels to ``.npz``."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger

from mmmlc.registry import METRICS
from .multilabel_metric import MLCMetric


@METRICS.register_module()
class DumpMultiLabelPredictions(MLCMetric):
    """Write every test image's scores and ground truth to one ``.npz``.

    ``tools/test.py --out FILE.npz`` appends this to the test evaluator. The
    target rows follow :class:`MLCMetric` (1 positive, 0 negative, -1 ignored
    VOC difficult), so the file re-evaluates to the same numbers.

    The file holds ``img_paths`` (N,), ``scores`` (N, C) float32,
    ``targets`` (N, C) int8 and ``classes`` (C,) when the dataset names them.
    (mmengine's ``DumpResults`` pickles whole data samples, without the
    difficult-aware targets; the tools read these arrays.)

    Args:
        out_file (str): Path of the ``.npz`` file to write.
        collect_device (str): Device used to collect results across ranks.
            Defaults to ``'cpu'``.
    """
    default_prefix: Optional[str] = 'dump'

    def __init__(self, out_file: str, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device)
        if not out_file.endswith('.npz'):
            raise ValueError(f'out_file must end with .npz, got {out_file}')
        self.out_file = out_file

    def process(self, data_batch: Optional[dict],
                data_samples: Sequence[dict]) -> None:
        """Store score and target rows (as MLCMetric) plus the image path."""
        start = len(self.results)
        super().process(data_batch, data_samples)
        for result, sample in zip(self.results[start:], data_samples):
            result['img_path'] = sample.get('img_path', '')

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Write the file (on the main rank); no metric is reported."""
        scores, targets = self.stack_results(results)
        arrays = dict(
            img_paths=np.array([res['img_path'] for res in results]),
            scores=scores,
            targets=targets)
        if self.dataset_meta and 'classes' in self.dataset_meta:
            arrays['classes'] = np.array(self.dataset_meta['classes'])
        out_dir = osp.dirname(osp.abspath(self.out_file))
        os.makedirs(out_dir, exist_ok=True)
        np.savez(self.out_file, **arrays)
        MMLogger.get_current_instance().info(
            f'Wrote scores and labels of {len(results)} images to '
            f'{self.out_file}')
        return {}

"""Seconds to compute every multi-label metric (docs/benchmarks.md).

Example::

    python tools/analysis_tools/eval_speed.py            # COCO val2014 size
    python tools/analysis_tools/eval_speed.py --reference

Times mAP + CP/CR/CF1/OP/OR/OF1 + the same six for top-3 on random float32
scores (40,137 x 80 by default, about 2.9 positives per image like COCO,
uniform scores: every image has many labels over 0.5, the slow case for
top-3) with ``torch.set_num_threads(1)`` and the process pinned to one CPU
core. Prints the median and the minimum seconds of ``--repeat`` runs of
``multilabel_metrics`` and of ``MLCMetric.compute_metrics`` (which adds
stacking the per-image rows); ``--reference`` also times scikit-learn's
per-class AP loop for comparison. The target is < 0.25 s.
"""
import argparse
import os
import time
from typing import Callable, List

import numpy as np
import torch


def parse_args() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-samples', type=int, default=40137)
    parser.add_argument('--num-classes', type=int, default=80)
    parser.add_argument('--positives',
                        type=float,
                        default=2.9,
                        help='positives per image')
    parser.add_argument('--repeat', type=int, default=15)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--reference',
        action='store_true',
        help='also time sklearn average_precision_score per class')
    return parser.parse_args()


def time_it(fn: Callable[[], object], repeat: int) -> List[float]:
    """Wall seconds of ``repeat`` calls of ``fn`` after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def report(name: str, times: List[float]) -> None:
    """Print one line: name, median and min seconds."""
    print(f'{name:<36s} median {np.median(times):.4f} s   '
          f'min {np.min(times):.4f} s   ({len(times)} runs)')


def main() -> None:
    """Build random scores, time the metrics, print seconds."""
    args = parse_args()
    torch.set_num_threads(1)
    if hasattr(os, 'sched_setaffinity'):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from mmmlc.evaluation import MLCMetric, multilabel_metrics

    rng = np.random.default_rng(args.seed)
    shape = (args.num_samples, args.num_classes)
    scores = rng.random(shape, dtype=np.float32)
    target = (rng.random(shape) < args.positives / args.num_classes)
    target = target.astype(np.int8)
    print(f'scores {shape[0]} x {shape[1]} float32, '
          f'{target.sum() / shape[0]:.2f} positives per image, '
          f'torch threads {torch.get_num_threads()}, '
          f'numpy {np.__version__}')

    report(
        'multilabel_metrics (mAP + 12)',
        time_it(lambda: multilabel_metrics(scores, target, 0.5, 3),
                args.repeat))
    metric = MLCMetric()
    rows = [dict(pred_score=s, target=t) for s, t in zip(scores, target)]
    report('MLCMetric.compute_metrics',
           time_it(lambda: metric.compute_metrics(rows), args.repeat))
    if args.reference:
        from sklearn.metrics import average_precision_score

        def sklearn_map() -> float:
            return float(
                np.mean([
                    average_precision_score(target[:, c], scores[:, c])
                    for c in range(args.num_classes)
                ]))

        report('sklearn per-class AP loop (mAP)',
               time_it(sklearn_map, max(1, args.repeat // 5)))


if __name__ == '__main__':
    main()

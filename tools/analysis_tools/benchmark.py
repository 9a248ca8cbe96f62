"""Training-step images/s and peak memory of a config (docs/benchmarks.md).

Example::

    python tools/analysis_tools/benchmark.py \\
        configs/salgl/salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py \\
        --batch-size 32 --amp --channels-last --header

Prints the command line, then one markdown table row::

    | config | device | batch | precision | channels_last | compile | \
img/s (median) | spread | peak mem GiB |

Side by side (a shared machine's load drifts; compare within one run)::

    python tools/analysis_tools/benchmark.py A.py --device cpu \
        --versus B.py --versus B.py model.some_switch=1 --rounds 5

builds every contender first, then runs ``--rounds`` rounds, each timing
``--iters`` iterations of every contender in turn (the order rotates from
round to round), and prints one row per contender plus the ratio of each
median step time to the first config's, with the range of the per-round
ratios. Items after a ``--versus`` config are its own ``--cfg-options``.

One iteration is ``model.train_step`` (forward, loss, backward, optimizer
step) plus the ``before/after_train_iter`` of the config's ``custom_hooks``
run on a stand-in runner (see ``mmmlc.utils.benchmark.StandInRunner`` for
the runner attributes it provides). Weights are random (Pretrained
``init_cfg`` dropped); the batch is the config's train pipeline applied to a
synthetic image with COCO-like labels and boxes, collated and moved to the
device once.
"""
import argparse
import os.path as osp
import shlex
import statistics
import sys
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger


def parse_args(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='Time the training step of a config on a synthetic '
        'batch (protocol of docs/benchmarks.md).')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--batch-size', type=int, help='default: train_dataloader.batch_size')
    parser.add_argument(
        '--amp', action='store_true', help='AmpOptimWrapper (CUDA only)')
    parser.add_argument(
        '--amp-dtype', default='bfloat16', choices=['bfloat16', 'float16'])
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument(
        '--compile',
        action='store_true',
        help='torch.compile train_step as mmengine does with compile=True')
    parser.add_argument('--warmup', type=int, default=8)
    parser.add_argument('--iters', type=int, default=25)
    parser.add_argument('--device', default='cuda', choices=['cuda', 'cpu'])
    parser.add_argument(
        '--clock',
        default='wall',
        choices=['wall', 'process'],
        help='process: CPU time of this process (--device cpu on a shared '
        'machine: waiting for a core is not counted)')
    parser.add_argument(
        '--input-shape',
        type=int,
        nargs=2,
        default=[480, 640],
        metavar=('H', 'W'),
        help='size of the synthetic image fed to the pipeline')
    parser.add_argument(
        '--num-classes',
        type=int,
        default=80,
        help='label space when the config has no model.head.num_classes')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--start-iter',
        type=int,
        default=0,
        help='runner.iter seen by the hooks at the first step')
    parser.add_argument(
        '--start-epoch',
        type=int,
        default=0,
        help='runner.epoch seen by the hooks (e.g. after a queue starts)')
    parser.add_argument(
        '--versus',
        nargs='+',
        action='append',
        metavar='CONFIG [KEY=VALUE ...]',
        help='another contender, timed interleaved with the first config; '
        'the items after its path are its cfg-options (repeatable)')
    parser.add_argument(
        '--rounds',
        type=int,
        default=3,
        help='interleaved rounds of --iters iterations (with --versus)')
    parser.add_argument(
        '--header', action='store_true', help='print the table header first')
    parser.add_argument(
        '--log-level',
        default='WARNING',
        help='mmengine log level (INFO shows weight init and hook logs)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, xxx=yyy format')
    return parser.parse_args(argv)


def _build(args: argparse.Namespace, config: str, options: Optional[dict]):
    """A TrainStepBenchmark of ``config`` with the shared arguments."""
    from mmmlc.utils.benchmark import TrainStepBenchmark
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file not found: {config}')
    cfg = Config.fromfile(config)
    if options:
        cfg.merge_from_dict(options)
    return TrainStepBenchmark(
        cfg,
        config_name=osp.splitext(osp.basename(config))[0],
        device=args.device,
        batch_size=args.batch_size,
        amp=args.amp,
        amp_dtype=args.amp_dtype,
        channels_last=args.channels_last,
        compile=args.compile,
        input_shape=tuple(args.input_shape),
        num_classes=args.num_classes,
        seed=args.seed,
        start_iter=args.start_iter,
        start_epoch=args.start_epoch)


def _versus_options(items: List[str]) -> dict:
    """``KEY=VALUE`` items after a ``--versus`` config, as --cfg-options."""
    parser = argparse.ArgumentParser(prog='--versus')
    parser.add_argument('options', nargs='*', action=DictAction)
    bad = [item for item in items if '=' not in item]
    if bad:
        raise ValueError(f'--versus: expected KEY=VALUE after the config '
                         f'path, got {bad}')
    return parser.parse_args(items).options or {}


def interleaved(benches: list, warmup: int, iters: int, rounds: int,
                clock: str = 'wall') -> List[List[List[float]]]:
    """Step times of every contender, ``rounds`` interleaved rounds.

    Returns:
        list: ``times[c][r]``, the ``iters`` step times of contender c in
        round r.
    """
    if rounds < 1 or iters < 1:
        raise ValueError(f'rounds ({rounds}) and iters ({iters}) must be '
                         f'>= 1')
    for bench in benches:
        bench.run(warmup=warmup, iters=1, clock=clock)
    times = [[] for _ in benches]
    for r in range(rounds):
        for i in range(len(benches)):
            c = (i + r) % len(benches)
            times[c].append(
                benches[c].run(warmup=0, iters=iters, clock=clock).iter_times)
    return times


def main(argv=None) -> str:
    """Run the benchmark, print the command and table row(s); return them."""
    args = parse_args(argv)
    # mmmlc must be imported (compatibility setup) before mmpretrain models.
    import mmmlc  # noqa: F401
    from mmmlc.utils.benchmark import (TABLE_HEADER, TABLE_SEPARATOR,
                                       BenchmarkResult)

    tool = osp.relpath(osp.abspath(__file__))
    argv = sys.argv[1:] if argv is None else argv
    print('command: python ' + ' '.join(shlex.quote(a) for a in [tool, *argv]))
    MMLogger.get_instance('mmmlc_benchmark', log_level=args.log_level)
    benches = [_build(args, args.config, args.cfg_options)]
    for versus in args.versus or []:
        benches.append(_build(args, versus[0], _versus_options(versus[1:])))
    if len(benches) == 1:
        results = [
            benches[0].run(
                warmup=args.warmup, iters=args.iters, clock=args.clock)
        ]
        per_round = None
    else:
        per_round = interleaved(benches, args.warmup, args.iters,
                                args.rounds, args.clock)
        results = [
            BenchmarkResult(b.config_name, b.device.type, b.batch_size,
                            b.precision, b.channels_last, b.compiled,
                            sum(times, []), None)
            for b, times in zip(benches, per_round)
        ]
    if args.header:
        print(TABLE_HEADER)
        print(TABLE_SEPARATOR)
    rows = [result.table_row() for result in results]
    print('\n'.join(rows))
    if per_round is not None:
        ref = statistics.median(results[0].iter_times)
        ref_rounds = [statistics.median(t) for t in per_round[0]]
        for k, (result, times) in enumerate(zip(results[1:], per_round[1:])):
            ratios = [statistics.median(t) / r
                      for t, r in zip(times, ref_rounds)]
            print(f'step time of contender {k + 2} ({result.config}) / '
                  f'contender 1 ({results[0].config}): '
                  f'{statistics.median(result.iter_times) / ref:.3f}x '
                  f'(per round {min(ratios):.3f}-{max(ratios):.3f})')
    return '\n'.join(rows)


if __name__ == '__main__':
    main()

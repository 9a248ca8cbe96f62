"""Training-step images/s and peak memory of a config (docs/benchmarks.md).

Example::

    python tools/analysis_tools/benchmark.py \\
        configs/salgl/salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py \\
        --batch-size 32 --amp --channels-last --header

Prints the command line, then one markdown table row::

    | config | device | batch | precision | channels_last | compile | \
img/s (median) | spread | peak mem GiB |

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
import sys

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


def main(argv=None) -> str:
    """Run the benchmark, print the command and table row; return the row."""
    args = parse_args(argv)
    # mmmlc must be imported (compatibility setup) before mmpretrain models.
    import mmmlc  # noqa: F401
    from mmmlc.utils.benchmark import (TABLE_HEADER, TABLE_SEPARATOR,
                                       TrainStepBenchmark)

    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    tool = osp.relpath(osp.abspath(__file__))
    argv = sys.argv[1:] if argv is None else argv
    print('command: python ' + ' '.join(shlex.quote(a) for a in [tool, *argv]))
    MMLogger.get_instance('mmmlc_benchmark', log_level=args.log_level)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    bench = TrainStepBenchmark(
        cfg,
        config_name=osp.splitext(osp.basename(args.config))[0],
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
    result = bench.run(warmup=args.warmup, iters=args.iters)
    if args.header:
        print(TABLE_HEADER)
        print(TABLE_SEPARATOR)
    row = result.table_row()
    print(row)
    return row


if __name__ == '__main__':
    main()

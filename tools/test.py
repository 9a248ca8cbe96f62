"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [opts]``."""
import argparse

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.apis.test_options import add_test_options, use_checkpoint
from mmmlc.utils.setup_env import (add_runner_arguments, load_runner_config,
                                   parse_runner_args, run)


def parse_args(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description='Test a mmmlc model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        help='write per-image scores and labels to this .npz file '
        '(img_paths, scores (N, C), targets (N, C) with 1/0/-1=difficult, '
        'classes)')
    parser.add_argument(
        '--weights',
        choices=['ema', 'raw'],
        help="test the EMA or the raw weights (default: what the "
        "checkpoint's state_dict holds, EMA when trained with an EMAHook)")
    parser.add_argument(
        '--ema', dest='weights', action='store_const', const='ema',
        help='same as --weights ema')
    parser.add_argument(
        '--thresholds',
        default='auto',
        help='per-class thresholds JSON to report CP..OF1 at as well; '
        "'auto' (default) takes <checkpoint stem>.thresholds.json if it "
        "exists, 'none' skips it")
    add_runner_arguments(parser)
    return parse_runner_args(parser, argv)


def main(argv=None) -> None:
    """Load the checkpoint named on the command line and test it."""
    args = parse_args(argv)
    cfg = load_runner_config(args)
    use_checkpoint(cfg, args.checkpoint)
    if args.out is not None:
        if not args.out.endswith('.npz'):
            raise ValueError(f'--out must end with .npz, got {args.out}')
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, dict):
            evaluator = [evaluator]
        cfg.test_evaluator = list(evaluator) + [
            dict(type='DumpMultiLabelPredictions', out_file=args.out)
        ]
    thresholds = None if args.thresholds == 'none' else args.thresholds
    add_test_options(cfg, args.checkpoint, args.weights, thresholds)
    run(cfg, 'test')


if __name__ == '__main__':
    main()

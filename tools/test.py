"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [opts]``."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.apis.test_options import add_test_options
from mmmlc.utils.setup_env import setup_cpu_distributed, teardown_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Test a mmmlc model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the logs')
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
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=8')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command-line options to the config."""
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint {args.checkpoint} not found: expected a .pth file '
            'written by tools/train.py or a converted checkpoint')
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.out is not None:
        if not args.out.endswith('.npz'):
            raise ValueError(f'--out must end with .npz, got {args.out}')
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, dict):
            evaluator = [evaluator]
        cfg.test_evaluator = list(evaluator) + [
            dict(type='DumpMultiLabelPredictions', out_file=args.out)
        ]
    cfg.launcher = args.launcher
    thresholds = None if args.thresholds == 'none' else args.thresholds
    return add_test_options(cfg, args.checkpoint, args.weights, thresholds)


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg = merge_args(cfg, args)
    setup_cpu_distributed(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    runner.test()
    teardown_distributed()


if __name__ == '__main__':
    main()

"""Train a model from a config: ``python tools/train.py CONFIG [options]``."""
import argparse

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.utils.setup_env import (add_runner_arguments, checkpoint_to_resume,
                                   load_runner_config, parse_runner_args, run,
                                   use_amp)


def parse_args(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description='Train a mmmlc model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or from the latest '
        'checkpoint in the work dir when no path is given; fails when there '
        'is nothing to resume (to start afresh, leave --resume out)')
    parser.add_argument(
        '--amp',
        nargs='?',
        const='bfloat16',
        choices=['bfloat16', 'float16'],
        help='mixed precision training on a GPU (default dtype bfloat16)')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='skip validation during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by total batch / auto_scale_lr.base_batch_size')
    add_runner_arguments(parser)
    return parse_runner_args(parser, argv)


def main(argv=None) -> None:
    """Apply the training options to the config and train."""
    args = parse_args(argv)
    cfg = load_runner_config(args)
    if args.amp:
        use_amp(cfg, args.amp)
    if args.resume is not None:
        cfg.resume = True
        cfg.load_from = checkpoint_to_resume(args.resume, cfg.work_dir)
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', {})['enable'] = True
    run(cfg, 'train')


if __name__ == '__main__':
    main()

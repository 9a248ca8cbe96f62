"""Offline multi-scale CAMs of an OASS checkpoint (OASS stage 2).

``python tools/oass/make_cams.py CONFIG CHECKPOINT --out-dir DIR
[--split train|val|test] [--cam-classes labels|predicted]`` runs the
Runner's test loop on the chosen split with the images at their original
size (the test pipeline without its resize and crop transforms; the train
split is read with the test pipeline too), the model in its multi-scale
CAM mode (scales 0.5, 1, 1.5, 2, each with its flip, batched per scale)
and :class:`~mmmlc.evaluation.metrics.DumpCAMs` as the only metric: one
``DIR/<image stem>.npz`` per image, format in
``mmmlc/evaluation/metrics/dump_cams.py``. K is the labels on the train
split and the predicted classes otherwise (``--cam-classes`` overrides).
At the end it prints the images per second of the loop.

Several processes (each rank writes its share of the images)::

    tools/oass/dist_make_cams.sh CONFIG CHECKPOINT 4 --out-dir DIR

Images of different sizes need ``--batch-size 1`` (the default); a
dataset of one size (DigitScenes) may batch more.
"""
import argparse
import copy
import time

from mmengine.hooks import Hook

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.apis.test_options import add_test_options, use_checkpoint
from mmmlc.utils.setup_env import (add_runner_arguments, load_runner_config,
                                   parse_runner_args, run)

SPLITS = ('train', 'val', 'test')
# Transforms that change the image geometry: CAMs are made at the
# original size, so they leave the pipeline.
GEOMETRIC = ('Resize', 'RandomResize', 'ResizeEdge', 'RandomResizedCrop',
             'CenterCrop', 'RandomCrop', 'RandomFlip', 'Pad',
             'RandomResizeLongSide', 'RandomCropPad')


def parse_args(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(description='Offline multi-scale CAMs')
    parser.add_argument('config', help='an OASS config')
    parser.add_argument('checkpoint', help='its stage-1 checkpoint')
    parser.add_argument('--out-dir', required=True,
                        help='folder of the <image stem>.npz files')
    parser.add_argument('--split', choices=SPLITS, default='test',
                        help="the dataloader whose dataset is read "
                        "(default 'test'; 'train' uses the test pipeline)")
    parser.add_argument(
        '--cam-classes', choices=['labels', 'predicted'],
        help="class set K: the image's labels or sigmoid >= 0.5 plus the "
        "arg-max (default: 'labels' on train, 'predicted' otherwise)")
    parser.add_argument('--scales', type=float, nargs='+',
                        default=[0.5, 1.0, 1.5, 2.0])
    parser.add_argument('--no-flip', action='store_true',
                        help='leave out the flipped pass')
    parser.add_argument('--batch-size', type=int, default=1,
                        help='images per rank and step (same-size images '
                        'only above 1)')
    parser.add_argument('--num-images', type=int,
                        help='only the first N images of the split')
    parser.add_argument('--weights', choices=['ema', 'raw'],
                        help='EMA or raw weights of the checkpoint')
    add_runner_arguments(parser)
    return parse_runner_args(parser, argv)


def original_size_pipeline(pipeline: list) -> list:
    """The pipeline without the transforms that change the geometry."""
    kept = [t for t in pipeline if t.get('type') not in GEOMETRIC]
    if not any(t.get('type') == 'PackInputs' for t in kept):
        raise ValueError('make_cams: the test pipeline has no PackInputs; '
                         f'got {[t.get("type") for t in pipeline]}')
    return kept


def cams_config(cfg, args: argparse.Namespace):
    """Turn a training config into the CAM-dumping test run (in place)."""
    if cfg.model.get('type') != 'OASSClassifier':
        raise ValueError('make_cams needs an OASSClassifier config, got '
                         f'model type {cfg.model.get("type")!r}.')
    test_loader = cfg.test_dataloader
    source = cfg.get(f'{args.split}_dataloader')
    if source is None:
        raise ValueError(f'the config has no {args.split}_dataloader.')
    dataset = copy.deepcopy(source.dataset)
    while 'dataset' in dataset:  # RepeatDataset and other wrappers
        dataset = dataset.dataset
    dataset.pipeline = original_size_pipeline(test_loader.dataset.pipeline)
    if args.num_images is not None:
        dataset.indices = args.num_images
    if args.split == 'train':
        dataset.test_mode = True
    cfg.test_dataloader = dict(
        batch_size=args.batch_size,
        num_workers=test_loader.get('num_workers', 1),
        persistent_workers=False,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dataset)
    rule = args.cam_classes or ('labels' if args.split == 'train' else
                                'predicted')
    cfg.model.multiscale_cam = dict(
        scales=list(args.scales), flip=not args.no_flip, cam_classes=rule)
    cfg.test_evaluator = [dict(type='DumpCAMs', out_dir=args.out_dir)]
    cfg.test_cfg = cfg.get('test_cfg') or dict()
    return cfg


class _LoopTimer(Hook):
    """Seconds, images and rank of the test epoch (first batch to end)."""

    def before_test_epoch(self, runner) -> None:
        self.start = time.perf_counter()

    def after_test_epoch(self, runner, metrics=None) -> None:
        self.seconds = time.perf_counter() - self.start
        self.images = int(metrics['cams/images'])
        self.rank = runner.rank


def main(argv=None) -> float:
    """Write the CAMs; return the images per second of the test loop."""
    args = parse_args(argv)
    cfg = load_runner_config(args)
    use_checkpoint(cfg, args.checkpoint)
    cams_config(cfg, args)
    add_test_options(cfg, args.checkpoint, args.weights, thresholds=None)
    timer = _LoopTimer()
    run(cfg, 'test', hooks=[(timer, 'LOWEST')])
    rate = timer.images / max(timer.seconds, 1e-9)
    if timer.rank == 0:
        print(f'make_cams: {timer.images} images ({args.split} split) in '
              f'{timer.seconds:.1f} s: {rate:.2f} images/s -> '
              f'{args.out_dir}')
    return rate


if __name__ == '__main__':
    main()

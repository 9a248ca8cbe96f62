"""Samples/s of a config's train pipeline, optionally beside a reference.

Example (the one behind docs/benchmarks.md, Data pipeline throughput)::

    python tools/analysis_tools/benchmark_pipeline.py \\
        configs/objcrop/mocov2-objobj-dilate0.2_resnet50_1xb128-coslr-200e_ohms-224px.py \\
        --images data/jpeg640 --no-loader --compare reference plain

Runs the config's ``train_dataloader.dataset.pipeline`` over the config's
train set (``--images DIR``: the JPEGs of a folder with synthetic boxes and
labels instead) in this process (``--no-loader``) or through a
DataLoader (``--num-workers N``, ``--batch-size B``). ``--compare
reference`` adds the reference-style PIL/torchvision pipeline of the same
method (objcrop, scene, SwAV multi-crop, SALGL or the OASS stage-1 view,
chosen from the pipeline; ``mmmlc.utils.reference_pipelines``),
``--compare plain`` the same config with every ``fast`` switch off.
Contenders run interleaved in every round; it prints samples/s per
contender (pairs/s for two views) as the median and min-max over
``--rounds``, and the median per-round ratio to the reference.
"""
import argparse
import os.path as osp
import shlex
import sys

from mmengine.config import Config, DictAction


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        argparse.Namespace: The parsed options.
    """
    parser = argparse.ArgumentParser(
        description='Samples/s of a config train pipeline')
    parser.add_argument('config', help='config file')
    parser.add_argument('--images', help='folder of JPEGs to use (with '
                        'synthetic boxes and labels) instead of the '
                        "config's train set")
    parser.add_argument('--num-workers', type=int, default=2,
                        help='DataLoader workers (default 2)')
    parser.add_argument('--no-loader', action='store_true',
                        help='run the pipeline in this process, no loader')
    parser.add_argument('--batch-size', type=int, default=32,
                        help='loader batch size (default 32)')
    parser.add_argument('--compare', nargs='+', default=[],
                        choices=['reference', 'plain'],
                        help='also time the reference-style pipeline and/or '
                        'the plain path (fast=False)')
    parser.add_argument('--rounds', type=int, default=7,
                        help='timed rounds (default 7), after one warm-up')
    parser.add_argument('--samples', type=int, default=64,
                        help='samples per round (default 64)')
    parser.add_argument('--pipeline', help='time this variable of the '
                        'config (e.g. objobj_faithful_pipeline of '
                        'configs/_base_/pipelines/mocov2_views.py) instead '
                        'of train_dataloader.dataset.pipeline; needs '
                        '--images')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, as in tools/train.py')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    """Run the benchmark and print one line per contender.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` when None.

    Returns:
        dict: ``{name: (median, min, max)}`` samples/s, and ``'ratio'``
        (ours / reference) when a reference ran.
    """
    args = parse_args(argv)
    import mmmlc  # noqa: F401  (registers the transforms)
    from mmmlc.utils.pipeline_benchmark import (benchmark, config_infos,
                                                image_folder_infos,
                                                make_contenders,
                                                ratio_median)

    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    if args.rounds < 1 or args.samples < 1:
        raise ValueError('--rounds and --samples must be >= 1.')
    tool = osp.relpath(osp.abspath(__file__))
    argv = sys.argv[1:] if argv is None else argv
    print('command: python ' + ' '.join(shlex.quote(a) for a in [tool, *argv]))
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.pipeline:
        if not args.images:
            raise ValueError('--pipeline needs --images DIR.')
        if args.pipeline not in cfg:
            raise KeyError(f'{args.config} has no variable '
                           f'{args.pipeline!r}.')
        pipeline = cfg[args.pipeline]
    else:
        pipeline = cfg.train_dataloader.dataset.pipeline
    infos = (image_folder_infos(args.images, seed=args.seed)
             if args.images else config_infos(cfg, 4 * args.samples))
    workers = 0 if args.no_loader else args.num_workers
    contenders = benchmark(
        make_contenders(pipeline, infos, args.compare), rounds=args.rounds,
        samples=args.samples, num_workers=workers,
        batch_size=args.batch_size, seed=args.seed)
    where = 'one process' if workers == 0 else f'{workers} workers'
    print(f'{len(infos)} images, {where}, {args.rounds} rounds x '
          f'{args.samples} samples; samples/s (a sample of a two-view '
          'pipeline is a pair): median [min-max]')
    result = {}
    for contender in contenders:
        result[contender.name] = (contender.median(), min(contender.rates),
                                  max(contender.rates))
        print(f'{contender.name:<22} {contender.median():8.1f} '
              f'[{contender.spread()}]')
    for contender in contenders[1:]:
        ratio = ratio_median(contenders[0], contender)
        print(f'ratio ours / {contender.name}: {ratio:.2f}x')
        if contender.name.startswith('reference'):
            result['ratio'] = ratio
    return result


if __name__ == '__main__':
    main()

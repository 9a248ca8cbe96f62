"""Fit per-class decision thresholds on a validation split.

``python tools/analysis_tools/fit_thresholds.py CONFIG CKPT`` runs the model
on the config's validation split and writes, for each class, the threshold
that maximises its F1 (``--method f1``, default) or gives the highest recall
at a target precision (``--method precision --precision 0.9``), to
``<checkpoint stem>.thresholds.json``; ``tools/infer.py``, the
``MultiLabelInferencer`` and ``tools/test.py`` pick that file up. The test
split is never used: when the config's validation split is its test split
(COCO and VOC recipes evaluate on one split), the tool refuses and asks for
a held-out split (``--split train`` or a val split set with
``--cfg-options``). See docs/use_a_trained_model.md.
"""
import argparse
import copy
import math
import sys

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.apis import (fit_f1_thresholds, fit_precision_thresholds,
                        init_multilabel_model, save_thresholds,
                        thresholds_path_for)
from mmmlc.apis.model import predict_dataset

_DATASET_KEYS = ('type', 'data_root', 'split', 'ann_file', 'data_prefix')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--split', choices=['val', 'train'], default='val',
                        help="the config's dataloader to fit on (never test)")
    parser.add_argument('--method', choices=['f1', 'precision'],
                        default='f1')
    parser.add_argument('--precision', type=float, default=0.9,
                        help='target precision of --method precision')
    parser.add_argument('--out', help='default: <checkpoint stem>'
                        '.thresholds.json beside the checkpoint')
    parser.add_argument('--weights', choices=['ema', 'raw'])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch-size', type=int)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def _comparable(dataset_cfg) -> dict:
    dataset_cfg = copy.deepcopy(dict(dataset_cfg))
    dataset_cfg.pop('pipeline', None)
    dataset_cfg.pop('test_mode', None)
    return dataset_cfg


def _describe(dataset_cfg) -> dict:
    return {k: str(dataset_cfg[k]) for k in _DATASET_KEYS if k in dataset_cfg}


def split_loader_cfg(cfg: Config, split: str, source: str) -> dict:
    """The dataloader config to fit on, with the test pipeline, unshuffled.

    Refuses a split whose dataset is the test dataset.
    """
    loader = copy.deepcopy(cfg.get(f'{split}_dataloader'))
    if not loader:
        raise ValueError(f'{source} has no {split}_dataloader')
    test = cfg.get('test_dataloader')
    if test and _comparable(loader['dataset']) == _comparable(
            test['dataset']):
        raise ValueError(
            f'the {split} split of {source} is also its test split '
            f'({_describe(loader["dataset"])}): fitting thresholds there '
            'would tune on the test set. Fit on a held-out split: point '
            f'{split}_dataloader.dataset at it with --cfg-options, or use '
            '--split train (optimistic: the model has seen those images)')
    loader['dataset']['pipeline'] = copy.deepcopy(
        (test or loader)['dataset']['pipeline'])
    loader['sampler'] = dict(type='DefaultSampler', shuffle=False)
    loader['num_workers'] = 0
    loader['persistent_workers'] = False
    return loader


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    loader_cfg = split_loader_cfg(cfg, args.split, args.config)
    if args.batch_size:
        loader_cfg['batch_size'] = args.batch_size
    model = init_multilabel_model(cfg, args.checkpoint, args.device,
                                  args.weights)
    classes = model._dataset_meta['classes']
    dataloader = Runner.build_dataloader(loader_cfg)
    data_classes = list(dataloader.dataset.metainfo.get('classes') or [])
    if data_classes and [str(c) for c in data_classes] != classes:
        sys.exit(f'the {args.split} dataset of {args.config} has classes '
                 f'{data_classes[:6]}..., the checkpoint {classes[:6]}...')
    print(f'Fitting on the {args.split} split: '
          f'{_describe(loader_cfg["dataset"])}')
    scores, targets, _ = predict_dataset(model, dataloader)
    if args.method == 'f1':
        fit = fit_f1_thresholds(scores, targets)
    else:
        fit = fit_precision_thresholds(scores, targets, args.precision)
    out = args.out or thresholds_path_for(args.checkpoint)

    def listed(values):
        return [None if math.isnan(v) else round(float(v), 6)
                for v in values]

    info = dict(
        method=args.method, split=args.split,
        dataset=_describe(loader_cfg['dataset']), num_images=len(scores),
        config=args.config, checkpoint=args.checkpoint,
        weights=model.weights, fitted=fit['fitted'].tolist(),
        fit_f1=listed(fit['f1']), fit_precision=listed(fit['precision']),
        fit_recall=listed(fit['recall']))
    if args.method == 'precision':
        info.update(target_precision=args.precision,
                    reached=fit['reached'].tolist())
    save_thresholds(out, fit['thresholds'], classes, **info)

    print(f'{"class":>16} {"thr":>7} {"F1":>6} {"P":>6} {"R":>6}')
    for c, name in enumerate(classes):
        row = [fit[k][c] for k in ('thresholds', 'f1', 'precision', 'recall')]
        note = '' if fit['fitted'][c] else '  (no positive: default kept)'
        if args.method == 'precision' and fit['fitted'][c] and \
                not fit['reached'][c]:
            note = f'  (precision {args.precision} not reached)'
        print(f'{str(name)[:16]:>16} ' +
              ' '.join(f'{v:6.3f}' if not np.isnan(v) else '     -'
                       for v in row) + note)
    print(f'Wrote {out}: {int(fit["fitted"].sum())} of {len(classes)} '
          f'classes fitted ({args.method}) on {len(scores)} images of the '
          f'{args.split} split')
    return 0


if __name__ == '__main__':
    sys.exit(main())

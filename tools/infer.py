"""Predict labels for images: ``python tools/infer.py CONFIG CKPT INPUTS``.

INPUTS are image files and folders (every image under a folder). Writes one
JSON line per image to ``--out``: ``{"path", "labels", "scores"}`` with the
scores of every class by name, or ``{"path", "error"}`` for an image that
could not be read (it is skipped; the count is printed at the end).
``--show-dir`` saves each image with its predicted labels drawn on it.
Labels use the per-class thresholds of ``<checkpoint stem>.thresholds.json``
when it exists (tools/analysis_tools/fit_thresholds.py), else ``--thr``.
See docs/use_a_trained_model.md.
"""
import argparse
import json
import os
import os.path as osp
import sys

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.apis import MultiLabelInferencer


def read_classes(args) -> list:
    if args.classes_file:
        with open(args.classes_file, encoding='utf-8') as f:
            return [line.strip() for line in f if line.strip()]
    if args.classes:
        return [name.strip() for name in args.classes.split(',')]
    return None


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Multi-label inference')
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='checkpoint (.pth)')
    parser.add_argument('inputs', nargs='+', help='image files or folders')
    parser.add_argument('--out', help='write predictions to this .jsonl')
    parser.add_argument('--show-dir',
                        help='save the images with their labels drawn here')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--thresholds', default='auto',
        help="per-class thresholds JSON; 'auto' (default) takes the one "
        "beside the checkpoint if any, 'none' ignores it")
    parser.add_argument('--thr', type=float,
                        help='global threshold without a thresholds file '
                        '(default 0.5, none with --topk)')
    parser.add_argument('--topk', type=int,
                        help='the k highest scores (those over --thr too '
                        'when --thr is given)')
    parser.add_argument('--weights', choices=['ema', 'raw'],
                        help='EMA or raw weights (default: what the '
                        "checkpoint's state_dict holds)")
    parser.add_argument('--classes', help='class names a,b,c for a '
                        'checkpoint without dataset_meta')
    parser.add_argument('--classes-file', help='class names, one a line')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.out is None and args.show_dir is None:
        sys.exit('give --out FILE.jsonl and/or --show-dir DIR')
    for item in args.inputs:
        if not osp.exists(item):
            sys.exit(f'input {item} not found')
    thresholds = None if args.thresholds == 'none' else args.thresholds
    if args.thr is None and args.topk is None:
        args.thr = 0.5
    inferencer = MultiLabelInferencer(
        args.config, args.checkpoint, device=args.device,
        thresholds=thresholds, thr=args.thr, topk=args.topk,
        weights=args.weights, classes=read_classes(args))
    results = inferencer(args.inputs, batch_size=args.batch_size,
                         show_dir=args.show_dir)
    classes = inferencer.classes
    failed = sum('error' in res for res in results)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w', encoding='utf-8') as f:
            for res in results:
                if 'error' in res:
                    line = dict(path=res['img_path'], error=res['error'])
                else:
                    line = dict(
                        path=res['img_path'],
                        labels=res['pred_class'],
                        scores={c: float(s) for c, s in
                                zip(classes, res['pred_scores'])})
                f.write(json.dumps(line) + '\n')
    rules = [f'per-class thresholds of {inferencer.thresholds_file}'
             if inferencer.thresholds_file else
             None if args.thr is None else f'thr={args.thr}',
             args.topk and f'top-{args.topk}']
    rule = ', '.join(r for r in rules if r)
    print(f'Predicted {len(results) - failed} images, {failed} unreadable '
          f'(skipped); {inferencer.model.weights} weights; labels by {rule}'
          + (f'; wrote {args.out}' if args.out else '')
          + (f'; drew into {args.show_dir}' if args.show_dir else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())

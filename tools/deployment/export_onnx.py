"""Export a classifier to ONNX and check it against PyTorch.

``python tools/deployment/export_onnx.py CONFIG CKPT --out model.onnx``
writes one graph from test-pipeline images to per-class probabilities
(``--logits`` keeps the logits): input ``images`` (batch, 3, H, W) float32
BGR 0-255 as the config's test pipeline packs them, output ``scores``
(batch, C), dynamic batch and dynamic height and width (``--fixed-size``
fixes them to the test pipeline's; a model that cannot take another size,
e.g. a ViT's fixed-size position embedding, is refused with that advice).
It then runs a few real images of the config's test split (or ``--images
FOLDER``) through onnxruntime on the CPU and through PyTorch, at the test
pipeline's size and, with dynamic sizes, at a second size (``--size2 H W``,
default 1.5 times the first), prints the largest absolute difference at
each and exits with status 1 when one is over ``--tol`` (1e-4). The class
names are written beside the model (``model.classes.txt``). See
docs/use_a_trained_model.md.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.apis import MultiLabelInferencer, init_multilabel_model
from mmmlc.apis.onnx_export import (export_onnx, max_abs_difference,
                                    onnx_scores, resized_batch, torch_scores)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Export to ONNX')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument('--logits', action='store_true',
                        help='output logits instead of probabilities')
    parser.add_argument('--weights', choices=['ema', 'raw'])
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--num-images', type=int, default=4,
                        help='real images of the parity check')
    parser.add_argument('--images', help='a folder of images for the '
                        'parity check instead of the test split')
    parser.add_argument('--tol', type=float, default=1e-4)
    parser.add_argument('--fixed-size', action='store_true',
                        help='fix the input height and width to the test '
                        "pipeline's (default: dynamic)")
    parser.add_argument('--size2', type=int, nargs=2, metavar=('H', 'W'),
                        help='second input size of the parity check '
                        '(default: 1.5 x the first)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def parity_batch(cfg, model, args) -> dict:
    """A collated batch of real images through the test pipeline."""
    if args.images:
        inferencer = MultiLabelInferencer(model, thresholds=None)
        items = []
        for i, batch in inferencer._batches(
                inferencer._inputs_to_list(args.images)[:args.num_images],
                args.num_images, {}):
            items = batch
        if not items:
            sys.exit(f'no readable image in {args.images}')
        return items
    loader = dict(cfg.test_dataloader)
    loader.update(num_workers=0, persistent_workers=False,
                  batch_size=args.num_images,
                  sampler=dict(type='DefaultSampler', shuffle=False))
    try:
        dataloader = Runner.build_dataloader(loader)
    except (FileNotFoundError, OSError, ValueError) as err:
        sys.exit(f'cannot read the test split of {args.config} for the '
                 f'parity check ({err}); give --images FOLDER')
    return next(iter(dataloader))


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    model = init_multilabel_model(cfg, args.checkpoint, 'cpu', args.weights)
    data = parity_batch(cfg, model, args)
    images, reference = torch_scores(model, data, args.logits)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    try:
        export_onnx(model, args.out, images.shape[1:], args.logits,
                    args.opset, dynamic_size=not args.fixed_size)
    except ValueError as err:
        sys.exit(f'{args.config}: {err}')
    classes_file = osp.splitext(args.out)[0] + '.classes.txt'
    with open(classes_file, 'w', encoding='utf-8') as f:
        f.write('\n'.join(model._dataset_meta['classes']) + '\n')
    checks = [(images, reference)]
    if not args.fixed_size:
        height, width = images.shape[2:]
        size2 = args.size2 or (height * 3 // 2, width * 3 // 2)
        checks.append(torch_scores(model, resized_batch(data, size2),
                                   args.logits))
    kind = 'logits' if args.logits else 'probabilities'
    size = 'height, width' if not args.fixed_size else ', '.join(
        map(str, images.shape[2:]))
    print(f'Exported {args.out} ({model.weights} weights, {kind}, input '
          f'(batch, 3, {size}) BGR 0-255); classes in {classes_file}')
    failed = False
    for batch, ref in checks:
        diff = max_abs_difference(onnx_scores(args.out, batch), ref)
        print(f'Parity on {len(batch)} images of {batch.shape[2]} x '
              f'{batch.shape[3]}, onnxruntime CPU vs PyTorch: max abs '
              f'difference {diff:.3g} (tolerance {args.tol:g})')
        failed = failed or not diff <= args.tol
    if failed:
        print('FAILED: the ONNX model differs from PyTorch', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

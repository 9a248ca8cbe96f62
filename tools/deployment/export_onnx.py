"""Export a classifier to ONNX and check it against PyTorch.

``python tools/deployment/export_onnx.py CONFIG CKPT --out model.onnx``
writes one graph from test-pipeline images to per-class probabilities
(``--logits`` keeps the logits): input ``images`` (batch, 3, H, W) float32
BGR 0-255 as the config's test pipeline packs them, output ``scores``
(batch, C), dynamic batch. It then runs a few real images of the config's
test split (or ``--images FOLDER``) through onnxruntime on the CPU and
through PyTorch, prints the largest absolute difference and exits with
status 1 when it is over ``--tol`` (1e-4). The class names are written
beside the model (``model.classes.txt``). See
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
                                    onnx_scores, torch_scores)


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
    export_onnx(model, args.out, images.shape[1:], args.logits, args.opset)
    classes_file = osp.splitext(args.out)[0] + '.classes.txt'
    with open(classes_file, 'w', encoding='utf-8') as f:
        f.write('\n'.join(model._dataset_meta['classes']) + '\n')
    diff = max_abs_difference(onnx_scores(args.out, images), reference)
    kind = 'logits' if args.logits else 'probabilities'
    print(f'Exported {args.out} ({model.weights} weights, {kind}, input '
          f'(batch, {", ".join(map(str, images.shape[1:]))}) BGR 0-255); '
          f'classes in {classes_file}')
    print(f'Parity on {len(images)} images, onnxruntime CPU vs PyTorch: '
          f'max abs difference {diff:.3g} (tolerance {args.tol:g})')
    if diff > args.tol:
        print('FAILED: the ONNX model differs from PyTorch', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

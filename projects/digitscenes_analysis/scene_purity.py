"""How well a SALGL model's learned scenes match a dataset's true scenes.

Runs the model (EMA weights: the checkpoint's ``state_dict``) over a split,
takes each image's predicted scene (argmax of the scene classifier) and
compares it with the ``scene`` field of the dataset's data infos
(DigitScenes records the generator's scene). Prints purity, NMI, the best
one-to-one matching accuracy and the contingency table, and optionally
writes them as JSON.

Example::

    python projects/digitscenes_analysis/scene_purity.py \\
        configs/salgl/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py \\
        work_dirs/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px/epoch_8.pth \\
        --split test --out purity.json
"""
import argparse
import json
from typing import Dict, Optional, Sequence

import numpy as np

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.utils.config_loading import (add_config_arguments,
                                        build_model_and_loader, load_config)
from mmmlc.visualization import collect_scene_predictions


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='Purity of learned scenes against true scenes.')
    add_config_arguments(
        parser, 'the SALGL config', with_checkpoint=True,
        splits=('train', 'val', 'test'))
    parser.add_argument('--out', help='write the numbers to this JSON file')
    return parser.parse_args(argv)


def scene_purity(pred_scenes: Sequence[int],
                 true_scenes: Sequence[int]) -> Dict[str, object]:
    """How well learned scenes match the true ones (cluster purity).

    ``purity = sum_k max_s n(k, s) / N``: each learned scene is credited
    with its most frequent true scene. 1 means every learned scene holds one
    true scene; ``1 / #true scenes`` is the floor of a single cluster. Also
    the normalised mutual information (arithmetic mean) and the best
    one-to-one matching accuracy (Hungarian), which unlike purity does not
    reward splitting a true scene over several learned ones.

    Args:
        pred_scenes (Sequence[int]): Learned scene of each image.
        true_scenes (Sequence[int]): True scene of each image.

    Returns:
        dict: ``purity``, ``nmi``, ``matched_accuracy`` (floats in [0, 1]),
        ``contingency`` (int64 (K_learned, K_true)).
    """
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import normalized_mutual_info_score
    pred = np.asarray(pred_scenes, dtype=np.int64)
    true = np.asarray(true_scenes, dtype=np.int64)
    if pred.shape != true.shape or pred.ndim != 1 or not len(pred):
        raise ValueError(f'need two equally long non-empty 1-D sequences, '
                         f'got {pred.shape} and {true.shape}')
    table = np.zeros((pred.max() + 1, true.max() + 1), dtype=np.int64)
    np.add.at(table, (pred, true), 1)
    rows, cols = linear_sum_assignment(-table)
    return dict(
        purity=float(table.max(axis=1).sum() / len(pred)),
        nmi=float(normalized_mutual_info_score(true, pred)),
        matched_accuracy=float(table[rows, cols].sum() / len(pred)),
        contingency=table)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Print the scene purity; return the numbers ``--out`` writes."""
    args = parse_args(argv)
    model, loader = build_model_and_loader(
        load_config(args.config, args.cfg_options), args.checkpoint,
        args.split)
    dataset = loader.dataset
    indices, _, pred = collect_scene_predictions(model, loader)
    infos = [dataset.get_data_info(int(i)) for i in indices]
    if any('scene' not in info for info in infos):
        raise ValueError(
            f'{type(dataset).__name__} has no per-image "scene" field: '
            'purity needs the true scenes (DigitScenes records them)')
    true = np.asarray([info['scene'] for info in infos], dtype=np.int64)
    result = scene_purity(pred, true)
    true_names = list(dataset.metainfo.get('scenes', range(true.max() + 1)))
    table = result.pop('contingency')
    report = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        split=args.split,
        num_images=int(len(pred)),
        num_scenes=int(model.neck.num_scenes),
        **{k: round(v, 4)
           for k, v in result.items()},
        true_scenes=[str(n) for n in true_names],
        contingency=table.tolist())
    print(f'{len(pred)} {args.split} images, K={model.neck.num_scenes} '
          f'learned scenes vs {len(true_names)} true scenes: purity '
          f'{result["purity"]:.4f}, NMI {result["nmi"]:.4f}, matched '
          f'accuracy {result["matched_accuracy"]:.4f}')
    header = 'learned \\ true  ' + ' '.join(f'{n:>9}' for n in true_names)
    print(header)
    for k, row in enumerate(table):
        print(f'scene {k:<9} ' + ' '.join(f'{v:>9d}' for v in row))
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            json.dump(report, f, indent=2)
    return report


if __name__ == '__main__':
    main()

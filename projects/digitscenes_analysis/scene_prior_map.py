"""The mAP a dataset's true scenes alone give: a floor for scene-aware models.

Scores every image of an evaluation split by the train-split frequency of
each class among the images of its *true* scene (the ``scene`` field of the
data infos; DigitScenes records the generator's), with the train labels as
the config reads them (DigitScenes trains with difficult objects as
positives). It reads no pixels, ties are grouped as in every AP here, and
it evaluates the scores with :class:`mmmlc.evaluation.MLCMetric`, the
metric of every test run. A model whose mAP is near this number has
learned little beyond recognising the scene.

With ``--pred`` (the ``.npz`` of ``tools/test.py --out`` on the same split)
it also prints the mAP of the model and of the prior on the images of each
true scene alone. Within one scene the prior scores every image alike, so
its per-scene mAP is the chance level (each class's share of positives);
how far a model rises above it is what it recognises beyond the scene.

Example::

    python projects/digitscenes_analysis/scene_prior_map.py \\
        configs/salgl/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py \\
        --split test
    python tools/test.py CONFIG CHECKPOINT --out pred.npz
    python projects/digitscenes_analysis/scene_prior_map.py CONFIG \\
        --pred pred.npz
"""
import argparse
import os.path as osp
from typing import Optional, Sequence, Tuple

import numpy as np

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.evaluation import MLCMetric
from mmmlc.evaluation.functional import mean_average_precision
from mmmlc.registry import DATASETS
from mmmlc.utils.config_loading import add_config_arguments, load_config


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='mAP of per-scene class frequencies (true scenes).')
    add_config_arguments(parser, 'a config whose datasets have scenes')
    parser.add_argument(
        '--pred',
        help='.npz of tools/test.py --out on this split: adds the per-scene '
        'mAP of the model and of the prior')
    return parser.parse_args(argv)


def scene_class_frequency(labels: Sequence[Sequence[int]],
                          scenes: Sequence[int], num_classes: int,
                          num_scenes: int) -> np.ndarray:
    """Share of each scene's images that hold each class.

    Args:
        labels (Sequence[Sequence[int]]): Positive class indices per image.
        scenes (Sequence[int]): True scene per image.
        num_classes (int): C.
        num_scenes (int): S.

    Returns:
        np.ndarray: ``(S, C)`` float64; a scene without images gets zeros.
    """
    counts = np.zeros((num_scenes, num_classes))
    for positives, scene in zip(labels, scenes):
        counts[scene, np.unique(np.asarray(positives, dtype=np.int64))] += 1
    images = np.bincount(np.asarray(scenes), minlength=num_scenes)
    return counts / np.maximum(images, 1)[:, None]


def per_scene_map(scores: np.ndarray, targets: np.ndarray,
                  scenes: Sequence[int], num_scenes: int) -> list:
    """mAP of ``scores`` on the images of each scene alone.

    Args:
        scores (np.ndarray): ``(N, C)`` scores.
        targets (np.ndarray): ``(N, C)`` in ``{-1, 0, 1}``.
        scenes (Sequence[int]): True scene per image.
        num_scenes (int): S.

    Returns:
        list[tuple[int, float]]: Per scene, its image count and mAP in
        percent over its classes with a positive (NaN without images).
    """
    scenes = np.asarray(scenes)
    out = []
    for scene in range(num_scenes):
        rows = scenes == scene
        map_ = mean_average_precision(scores[rows], targets[rows])[0] \
            if rows.any() else float('nan')
        out.append((int(rows.sum()), 100 * map_))
    return out


def _predictions(path: str,
                 infos: list) -> Tuple[np.ndarray, np.ndarray]:
    """Scores and targets of ``tools/test.py --out`` in ``infos`` order.

    The targets are the file's, as the metric encoded them; their positives
    must be the dataset's, or the file comes from another build.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'--pred {path} does not exist; expected the .npz written by '
            'tools/test.py --out on the same split')
    with np.load(path) as data:
        rows = {str(p): i for i, p in enumerate(data['img_paths'])}
        missing = [i['img_path'] for i in infos if i['img_path'] not in rows]
        if missing or len(rows) != len(infos):
            raise ValueError(
                f'--pred {path} holds {len(rows)} images, the split '
                f'{len(infos)}; not in the file: {missing[:3]} (of '
                f'{len(missing)}). Was it written on this split?')
        order = [rows[i['img_path']] for i in infos]
        scores, targets = data['scores'][order], data['targets'][order]
    for info, row in zip(infos, targets):
        if set(np.flatnonzero(row == 1)) != {int(c) for c in info['gt_label']}:
            raise ValueError(
                f'--pred {path}: the labels of {info["img_path"]} differ '
                "from the dataset's. Was it written on another build of "
                'this data?')
    return scores, targets


def _scene_infos(dataset_cfg: dict) -> Tuple[list, dict]:
    """Data infos and metainfo of a dataset config, built without pipeline."""
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=[]))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    if any('scene' not in info for info in infos):
        raise ValueError(
            f'{type(dataset).__name__} has no per-image "scene" field: the '
            'scene prior needs the true scenes (DigitScenes records them)')
    return infos, dataset.metainfo


def main(argv: Optional[Sequence[str]] = None) -> float:
    """Print the scene-prior mAP; return it in percent."""
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    train, meta = _scene_infos(cfg.train_dataloader.dataset)
    evaluated, _ = _scene_infos(cfg[f'{args.split}_dataloader'].dataset)
    num_classes = len(meta['classes'])
    num_scenes = 1 + max(info['scene'] for info in train + evaluated)
    prior = scene_class_frequency([info['gt_label'] for info in train],
                                  [info['scene'] for info in train],
                                  num_classes, num_scenes)
    metric = MLCMetric()
    metric.process(None, [
        dict(
            pred_score=prior[info['scene']],
            gt_label=info['gt_label'],
            gt_label_difficult=info.get('gt_label_difficult', []))
        for info in evaluated
    ])
    result = metric.compute_metrics(metric.results)
    map_ = result['mAP']
    print(f'{len(evaluated)} {args.split} images scored by the train '
          f'frequency of each class in their true scene ({len(train)} train '
          f'images, {num_scenes} scenes): mAP {map_:.2f}')
    if args.pred:
        scenes = [info['scene'] for info in evaluated]
        scores, targets = _predictions(args.pred, evaluated)
        model = per_scene_map(scores, targets, scenes, num_scenes)
        chance = per_scene_map(prior[scenes], targets, scenes, num_scenes)
        names = meta.get('scenes', range(num_scenes))
        for name, (num, ours), (_, prior_map) in zip(names, model, chance):
            print(f'scene {name}: {num} images, mAP within the scene: model '
                  f'{ours:.2f}, scene prior (chance) {prior_map:.2f}')
    return map_


if __name__ == '__main__':
    main()

"""How well a SALGL model's learned scenes match a dataset's true scenes.

Runs the model (EMA weights: the checkpoint's ``state_dict``) over a split,
takes each image's predicted scene (argmax of the scene classifier) and
compares it with the ``scene`` field of the dataset's data infos
(DigitScenes records the generator's scene). Prints purity, NMI, the best
one-to-one matching accuracy and the contingency table, and optionally
writes them as JSON.

Example::

    python tools/analysis_tools/scene_purity.py \\
        configs/salgl/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py \\
        work_dirs/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px/epoch_8.pth \\
        --split test --out purity.json
"""
import argparse
import json
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.config import DictAction


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (Sequence[str], optional): Arguments; ``sys.argv[1:]`` when
            None.

    Returns:
        argparse.Namespace: The parsed options.
    """
    parser = argparse.ArgumentParser(
        description='Purity of learned scenes against true scenes.')
    parser.add_argument('config', help='the SALGL config')
    parser.add_argument('checkpoint', help='trained checkpoint')
    parser.add_argument(
        '--split',
        choices=['train', 'val', 'test'],
        default='test',
        help='which dataloader of the config to run')
    parser.add_argument('--out', help='write the numbers to this JSON file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='config overrides key=value (e.g. test_dataloader.num_workers=0)')
    return parser.parse_args(argv)


def load_model_and_loader(config: str,
                          checkpoint: str,
                          split: str,
                          cfg_options: Optional[dict] = None):
    """Build the model (weights loaded, eval mode) and a split's loader.

    Args:
        config (str): Config path.
        checkpoint (str): Checkpoint path.
        split (str): ``'train'``, ``'val'`` or ``'test'``; the train split
            is read with the test pipeline.
        cfg_options (dict, optional): Config overrides.

    Returns:
        tuple: ``(cfg, model, dataloader)``.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner, load_checkpoint

    import mmmlc  # noqa: F401  (compatibility set-up, registries)
    from mmmlc.registry import MODELS
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmmlc'))
    model_cfg = cfg.model.copy()
    model_cfg.backbone = dict(model_cfg.backbone, init_cfg=None)
    model = MODELS.build(model_cfg)
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True)
    model.eval()
    loader_cfg = cfg[f'{split}_dataloader'].copy()
    if split == 'train':
        loader_cfg = cfg.test_dataloader.copy()
        loader_cfg.dataset = dict(
            cfg.train_dataloader.dataset,
            pipeline=cfg.test_dataloader.dataset.pipeline,
            test_mode=True)
    loader_cfg.sampler = dict(type='DefaultSampler', shuffle=False)
    loader_cfg.persistent_workers = False
    return cfg, model, Runner.build_dataloader(loader_cfg)


def main(argv: Optional[Sequence[str]] = None) -> dict:
    """Compute and print the scene purity.

    Args:
        argv (Sequence[str], optional): Arguments; ``sys.argv[1:]`` when
            None.

    Returns:
        dict: The numbers written with ``--out``.
    """
    from mmmlc.visualization import collect_scene_predictions, scene_purity
    args = parse_args(argv)
    _, model, loader = load_model_and_loader(args.config, args.checkpoint,
                                             args.split, args.cfg_options)
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

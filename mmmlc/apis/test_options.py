"""``tools/test.py`` options: raw or EMA weights, fitted thresholds."""
import os.path as osp
from typing import Optional

from mmengine.config import Config

from .thresholds import thresholds_path_for


def use_checkpoint(cfg: Config, checkpoint: str) -> Config:
    """Test ``checkpoint``: it must exist; it is loaded, not resumed.

    Args:
        cfg (Config): The test config, changed in place.
        checkpoint (str): A ``.pth`` file.

    Returns:
        Config: ``cfg``.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'checkpoint {checkpoint} not found: expected a .pth file '
            'written by tools/train.py or a converted checkpoint')
    cfg.load_from = checkpoint
    cfg.resume = False
    return cfg


def add_test_options(cfg: Config, checkpoint: str,
                     weights: Optional[str] = None,
                     thresholds: Optional[str] = 'auto') -> Config:
    """Add the weight choice and the fitted-threshold metric to ``cfg``.

    * A :class:`~mmmlc.engine.hooks.CheckpointWeightsHook` loads the
      ``weights`` (``'ema'`` / ``'raw'``; None keeps what the checkpoint's
      ``state_dict`` holds) and logs which ones are tested.
    * With a thresholds file (``'auto'``: ``<checkpoint stem>
      .thresholds.json`` when it exists; None: none), a
      :class:`~mmmlc.apis.FittedThresholdMetric` joins the test evaluator,
      so CP ... OF1 are also reported at the fitted thresholds.

    Args:
        cfg (Config): The test config, changed in place.
        checkpoint (str): The checkpoint under test.
        weights (str, optional): ``'ema'``, ``'raw'`` or None.
        thresholds (str, optional): A thresholds file, ``'auto'`` or None.

    Returns:
        Config: ``cfg``.
    """
    hooks = list(cfg.get('custom_hooks') or [])
    cfg.custom_hooks = hooks + [
        dict(type='CheckpointWeightsHook', weights=weights)
    ]
    if thresholds == 'auto':
        found = thresholds_path_for(checkpoint)
        thresholds = found if osp.isfile(found) else None
    if thresholds is not None:
        if not osp.isfile(thresholds):
            raise FileNotFoundError(f'thresholds file {thresholds} not found')
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, dict):
            evaluator = [evaluator]
        cfg.test_evaluator = list(evaluator) + [
            dict(type='FittedThresholdMetric', thresholds_file=thresholds)
        ]
    return cfg

"""``PretrainedCheckHook``: fail early when pretrained weights did not load."""
import os.path as osp
from typing import Dict, Optional

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop
from mmengine.runner.checkpoint import (_load_checkpoint,
                                        _load_checkpoint_with_prefix)

from mmmlc.registry import HOOKS


def _pretrained_cfg(module: torch.nn.Module, name: str) -> dict:
    """The ``Pretrained`` entry of ``module.init_cfg``."""
    init_cfg = getattr(module, 'init_cfg', None)
    cfgs = init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]
    found = [
        cfg for cfg in cfgs if isinstance(cfg, dict) and cfg.get('type') in (
            'Pretrained', 'PretrainedInit')
    ]
    if not found:
        raise ValueError(
            f'PretrainedCheckHook: model.{name} has no init_cfg of type '
            f"'Pretrained' (got {init_cfg!r}); a linear probe needs "
            f"model.{name}.init_cfg=dict(type='Pretrained', "
            f"checkpoint=PATH, prefix='{name}.').")
    return found[0]


def load_prefixed_state_dict(checkpoint: Optional[str],
                             prefix: Optional[str]) -> Dict[str, torch.Tensor]:
    """Read the tensors under ``prefix`` of a local checkpoint.

    Read with mmengine's own loader, the one its ``Pretrained`` init uses,
    so the check sees the tensors the init loads; only the errors are ours
    (mmengine asserts without naming the keys the file does have).

    Args:
        checkpoint (str, optional): Path of the checkpoint file.
        prefix (str, optional): Key prefix, e.g. ``'backbone.'``; None or
            ``''`` keeps every key.

    Returns:
        dict[str, torch.Tensor]: The tensors, with ``prefix`` removed, on
        the CPU.

    Raises:
        ValueError: If no path is set or no key has the prefix.
        FileNotFoundError: If the path is not a file.
    """
    if not checkpoint:
        raise ValueError(
            'PretrainedCheckHook: no pretrained checkpoint set. Give the '
            'pretraining checkpoint with --cfg-options '
            'model.backbone.init_cfg.checkpoint=PATH (or the config\'s '
            '`pretrained` variable).')
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'PretrainedCheckHook: pretrained checkpoint {checkpoint} does '
            'not exist (set model.backbone.init_cfg.checkpoint=PATH to the '
            'file the pretraining run wrote, e.g. work_dirs/<config>/'
            'epoch_200.pth).')
    if not prefix:
        return _state_dict_of(_load_checkpoint(checkpoint, 'cpu'))
    try:
        return _load_checkpoint_with_prefix(prefix, checkpoint, 'cpu')
    except AssertionError:
        state = _state_dict_of(_load_checkpoint(checkpoint, 'cpu'))
        heads = sorted({key.split('.')[0] + '.' for key in state})
        prefix = prefix if prefix.endswith('.') else prefix + '.'
        raise ValueError(
            f'{checkpoint} has no key starting with {prefix!r}; its keys '
            f'start with {", ".join(heads[:10]) or "nothing"}. Is it a '
            'checkpoint of the pretraining run (mmmlc / mmpretrain layout)?'
        ) from None


def _state_dict_of(checkpoint: object) -> Dict[str, torch.Tensor]:
    """The ``state_dict`` of a loaded checkpoint, or the checkpoint itself.

    Args:
        checkpoint (object): What ``torch.load`` returned.

    Returns:
        dict[str, torch.Tensor]: The state dict.
    """
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        checkpoint = checkpoint['state_dict']
    if not isinstance(checkpoint, dict):
        raise ValueError(f'expected a state dict, got '
                         f'{type(checkpoint).__name__}.')
    return checkpoint


@HOOKS.register_module()
class PretrainedCheckHook(Hook):
    """Check that a probe's frozen module holds the pretrained weights.

    mmengine's ``Pretrained`` init loads with ``strict=False``: keys it
    cannot match (another depth, another layout) are only logged, and a
    linear probe then trains on a random frozen backbone. This hook makes
    every such case an error, and adds the reference's sanity check that the
    frozen backbone does not change (``main_lincls.py``, after epoch 0):

    * ``before_run`` (before weights are initialised): the checkpoint of
      ``model.<module>.init_cfg`` exists, has keys under its prefix, and
      these match the module's state dict one to one, shapes included.
      Only when the runner trains: ``Runner.test()`` and ``val()`` load the
      probe's own checkpoint and never apply ``init_cfg``.
    * ``before_train`` (after init and resume): the module's parameters and
      buffers equal the checkpoint's (nothing re-initialised them after
      loading, e.g. ResNet's ``zero_init_residual``).
    * ``after_train_epoch`` (``check_frozen``): they are still equal, so the
      backbone is frozen and its BN layers stay in eval mode.

    Args:
        module (str): Attribute of the model whose ``init_cfg`` is
            ``Pretrained``. Defaults to ``'backbone'``.
        check_frozen (bool): Check after every training epoch that the
            module is unchanged. Defaults to True.
    """
    priority = 'VERY_HIGH'

    def __init__(self, module: str = 'backbone',
                 check_frozen: bool = True) -> None:
        self.module = module
        self.check_frozen = check_frozen
        self._reference: Optional[Dict[str, torch.Tensor]] = None
        self._source = ''

    def _get_module(self, runner) -> torch.nn.Module:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        module = getattr(model, self.module, None)
        if not isinstance(module, torch.nn.Module):
            raise ValueError(f'PretrainedCheckHook: the model has no module '
                             f'`{self.module}`.')
        return module

    def before_run(self, runner) -> None:
        """Check the checkpoint against the module before it is loaded."""
        # Runner.train() builds its train loop before `before_run`;
        # test() and val() do not, and never apply init_cfg.
        if not isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            return
        module = self._get_module(runner)
        cfg = _pretrained_cfg(module, self.module)
        reference = load_prefixed_state_dict(
            cfg.get('checkpoint'), cfg.get('prefix'))
        expected = module.state_dict()
        missing = [key for key in expected if key not in reference]
        unexpected = [key for key in reference if key not in expected]
        wrong_shape = [
            f'{key} {tuple(reference[key].shape)} vs '
            f'{tuple(expected[key].shape)}' for key in expected
            if key in reference and reference[key].shape != expected[key].shape
        ]
        if missing or unexpected or wrong_shape:
            raise ValueError(
                f"PretrainedCheckHook: {cfg.get('checkpoint')} (prefix "
                f"{cfg.get('prefix')!r}) does not match model.{self.module}: "
                f'{len(missing)} missing keys {missing[:5]}, '
                f'{len(unexpected)} unexpected keys {unexpected[:5]}, '
                f'{len(wrong_shape)} shape mismatches {wrong_shape[:5]}. '
                'Was the checkpoint pretrained with the same backbone?')
        self._reference = reference
        self._source = f"{cfg.get('checkpoint')} ({cfg.get('prefix')})"
        runner.logger.info(f'PretrainedCheckHook: {len(reference)} tensors '
                           f'of {self._source} match model.{self.module}.')

    def _compare(self, runner, when: str) -> None:
        module = self._get_module(runner)
        changed = [
            key for key, value in module.state_dict().items()
            if not torch.equal(value.detach().cpu(), self._reference[key])
        ]
        if changed:
            raise RuntimeError(
                f'PretrainedCheckHook: {when}, {len(changed)} tensors of '
                f'model.{self.module} differ from {self._source}, e.g. '
                f'{changed[:5]}.')

    def before_train(self, runner) -> None:
        """Check that the loaded weights survived initialisation."""
        if self._reference is None:
            raise RuntimeError(
                'PretrainedCheckHook: before_train without a checked '
                'checkpoint (before_run did not see a training runner).')
        self._compare(runner, 'after weight initialisation')

    def after_train_epoch(self, runner) -> None:
        """Check that training did not change the frozen module."""
        if self.check_frozen:
            self._compare(
                runner, f'after training epoch {runner.epoch} (the module '
                'must be frozen: frozen_stages, norm_eval=True)')

"""``CheckpointCheckHook``: a loaded checkpoint fits the model and the data.

mmengine loads ``load_from`` and ``--resume`` checkpoints with
``strict=False`` and compares neither class names nor their order: a
checkpoint tested on data with the classes in another order scores each
class with another class's output (DigitScenes, classes reversed: mAP 58.5
-> 16.8), and a head of another size is only warned about and evaluated
with random weights. This hook runs in ``after_load_checkpoint`` (before
the weights reach the model) and makes both errors.
"""
import re
from typing import List, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from mmmlc.registry import HOOKS

from .init_checkpoint_classes import find_head_inits, permute_loaded_head


def class_permutation(saved: Sequence[str],
                      wanted: Sequence[str]) -> Optional[List[int]]:
    """Indices ``p`` with ``saved[p[i]] == wanted[i]``, or None.

    Args:
        saved (Sequence[str]): Class names in the checkpoint's order.
        wanted (Sequence[str]): Class names in the dataset's order.

    Returns:
        list[int] or None: The permutation, or None when the two lists do
        not hold the same names once each.
    """
    if (len(saved) != len(wanted) or len(set(saved)) != len(saved)
            or set(saved) != set(wanted)):
        return None
    where = {name: i for i, name in enumerate(saved)}
    return [where[name] for name in wanted]


def permute_class_tensors(state_dict: dict, order: List[int],
                          keys: Optional[Sequence[str]] = None) -> List[str]:
    """Reorder the class axis of a state dict's tensors, in place.

    Args:
        state_dict (dict): The checkpoint's state dict.
        order (list[int]): From :func:`class_permutation`.
        keys (Sequence[str], optional): Keys whose every axis of size
            ``len(order)`` is a class axis (e.g. a ``(C, C)`` label
            co-occurrence buffer). None: every ``head.`` tensor whose first
            axis has size ``len(order)`` (a classifier's weight and bias).

    Returns:
        list[str]: The keys reordered.
    """
    num = len(order)
    index = torch.tensor(order)
    done = []
    for key, value in state_dict.items():
        if not torch.is_tensor(value) or value.dim() == 0:
            continue
        if keys is None:
            axes = [0] if (key.startswith('head.')
                           and value.shape[0] == num) else []
        else:
            axes = ([d for d, size in enumerate(value.shape) if size == num]
                    if key in keys else [])
        for axis in axes:
            value = value.index_select(axis, index.to(value.device))
        if axes:
            state_dict[key] = value
            done.append(key)
    return done


@HOOKS.register_module()
class CheckpointCheckHook(Hook):
    """Stop when a loaded checkpoint does not fit the model or the data.

    In ``after_load_checkpoint`` (test, ``--resume``, ``load_from``), and
    in ``before_run`` for a ``Pretrained`` ``init_cfg`` (of the model or any
    module) that loads ``head.`` tensors (a fine-tune or probe initialised
    from a classifier; a backbone-only checkpoint loads none and is not
    checked), reordered by name in ``before_train`` when asked:

    * Class list: the checkpoint's ``meta.dataset_meta.classes`` must equal
      the dataset's ``metainfo['classes']``, names and order; otherwise a
      ``ValueError`` gives the file and both lists. With
      ``remap_classes_by_name=True`` (test and ``load_from`` only: an
      optimizer state cannot be reordered) a checkpoint with the same names
      in another order has its class axes reordered to the dataset's.
      While training from ``load_from``, a checkpoint with another number of
      classes is fine-tuning with a new head (mmengine skips the
      mis-shaped tensors), and only logged.
    * Parameters (test and resume): every key of the model's state dict is
      in the checkpoint with the model's shape; otherwise a ``ValueError``
      names the file and the keys. Keys the model does not have are logged.

    Args:
        remap_classes_by_name (bool): Reorder a checkpoint with the
            dataset's class names in another order instead of stopping.
            Defaults to False.
        class_keys (Sequence[str], optional): For the remap, the keys whose
            axes of size C are class axes; see :func:`permute_class_tensors`.
            Defaults to None (the head's tensors with C rows).
    """

    priority = 'VERY_HIGH'

    def __init__(self, remap_classes_by_name: bool = False,
                 class_keys: Optional[Sequence[str]] = None) -> None:
        self.remap_classes_by_name = remap_classes_by_name
        self.class_keys = None if class_keys is None else list(class_keys)

    @staticmethod
    def _mode(runner) -> str:
        if isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            return 'resume' if getattr(runner, '_resume', False) else \
                'load_from'
        return 'test'

    @staticmethod
    def _dataset_classes(runner, mode: str) -> Optional[Sequence[str]]:
        loops = ('_train_loop', ) if mode != 'test' else ('_test_loop',
                                                          '_val_loop')
        for name in loops:
            loop = getattr(runner, name, None)
            dataset = getattr(getattr(loop, 'dataloader', None), 'dataset',
                              None)
            classes = getattr(dataset, 'metainfo', {}).get('classes')
            if isinstance(loop, BaseLoop) and classes is not None:
                return list(classes)
        return None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        mode = self._mode(runner)
        source = getattr(runner, '_load_from', None) or 'the checkpoint'
        self._check_classes(runner, checkpoint, mode, source)
        if mode != 'load_from':
            self._check_keys(runner, checkpoint, mode, source)

    def before_run(self, runner) -> None:
        """Check heads a ``Pretrained`` init_cfg loads (training only)."""
        self._head_inits = []
        # Runner.train() builds its train loop before `before_run`; test()
        # and val() never apply init_cfg.
        if not isinstance(getattr(runner, '_train_loop', None), BaseLoop):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        for init in find_head_inits(model):
            order = self._compare_classes(runner, init.classes,
                                          'load_from', init.source)
            if order is not None:
                self._head_inits.append((init, order))

    def before_train(self, runner) -> None:
        """Reorder by name the heads the init_cfg loaded, when asked."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        for init, order in getattr(self, '_head_inits', []):
            done = permute_loaded_head(model, init, order)
            runner.logger.info(
                f'CheckpointCheckHook: {init.source} classes reordered by '
                f'name to the dataset\'s order, in {done}.')
        self._head_inits = []

    def _check_classes(self, runner, checkpoint: dict, mode: str,
                       source: str) -> None:
        meta = checkpoint.get('meta') or {}
        saved = (meta.get('dataset_meta') or {}).get('classes')
        order = self._compare_classes(runner, saved, mode, source)
        if order is None:
            return
        state = checkpoint.get('state_dict', checkpoint)
        done = permute_class_tensors(state, order, self.class_keys)
        meta.setdefault('dataset_meta', {})['classes'] = self._dataset_classes(
            runner, mode)
        runner.logger.info(
            f'CheckpointCheckHook: {source} classes reordered by name '
            f'to the dataset\'s order, in {done}.')

    def _compare_classes(self, runner, saved: Optional[Sequence[str]],
                         mode: str, source: str) -> Optional[List[int]]:
        """None when the classes fit, the order to remap by, or raise."""
        wanted = self._dataset_classes(runner, mode)
        if wanted is None:
            return None
        if saved is None:
            runner.logger.warning(
                f'CheckpointCheckHook: {source} records no class names '
                '(meta.dataset_meta.classes), so they are not checked '
                'against the dataset.')
            return None
        saved = list(saved)
        if saved == wanted:
            return None
        if mode == 'load_from' and len(saved) != len(wanted):
            runner.logger.info(
                f'CheckpointCheckHook: {source} has {len(saved)} classes, '
                f'the dataset {len(wanted)}: fine-tuning with a new head.')
            return None
        order = class_permutation(saved, wanted)
        if order is not None and self.remap_classes_by_name and \
                mode != 'resume':
            return order
        hint = ('same names in another order: set default_hooks.'
                'checkpoint_check.remap_classes_by_name=True to reorder '
                'the checkpoint by name' if order is not None else
                'other names')
        if mode == 'resume' and order is not None:
            hint = 'same names in another order, which a resume cannot ' \
                'reorder'
        raise ValueError(
            f'{source} was trained with the classes {saved}, but the '
            f'{"test" if mode == "test" else "train"} dataset has {wanted} '
            f'({hint}). Use the dataset and class list the checkpoint was '
            'trained on.')

    @staticmethod
    def _check_keys(runner, checkpoint: dict, mode: str,
                    source: str) -> None:
        state = checkpoint.get('state_dict', checkpoint)
        state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        expected = model.state_dict()
        missing = [k for k in expected if k not in state]
        wrong = [
            f'{k} {tuple(state[k].shape)} in the file vs '
            f'{tuple(expected[k].shape)} in the model' for k in expected
            if k in state and torch.is_tensor(state[k])
            and state[k].shape != expected[k].shape
        ]
        unexpected = [k for k in state if k not in expected]
        if unexpected:
            runner.logger.warning(
                f'CheckpointCheckHook: {len(unexpected)} keys of {source} '
                f'are not in the model and are ignored: {unexpected[:10]}')
        if missing or wrong:
            raise ValueError(
                f'{source} does not fit the model for {mode}: '
                f'{len(missing)} missing keys {missing[:10]}, {len(wrong)} '
                f'shape mismatches {wrong[:10]}. Use the config the '
                'checkpoint was trained with (model.head.num_classes, '
                'backbone depth).')

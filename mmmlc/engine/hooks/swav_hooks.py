"""SwAV/GAELLE schedule hooks: feature queue start and prototype freezing."""
from typing import Optional, Sequence

import torch
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmmlc.registry import HOOKS


def _swav_model(runner, hook: str, method: str) -> torch.nn.Module:
    """The runner's model without its DDP wrapper; checks ``method``."""
    model = runner.model.module if is_model_wrapper(
        runner.model) else runner.model
    if not callable(getattr(model, method, None)):
        raise TypeError(f'{hook} needs a model with a `{method}()` method '
                        f'(e.g. GAELLE), got {type(model).__name__}.')
    return model


@HOOKS.register_module()
class FeatureQueueHook(Hook):
    """Start SwAV's feature queue at epoch ``epoch_queue_starts``.

    Before every epoch from ``epoch_queue_starts`` (0-based) on, calls
    ``model.start_queue(queue_length, batch_size)``: the first call
    allocates the queue (zeros), later ones keep it and reset its use
    flag, as the reference resets ``use_the_queue`` every epoch
    (docs/reference/gaelle.md, "Feature queue"). The queue lives in the
    model's state dict, so a resumed run keeps it; nothing is saved by
    this hook. Before training, checks that ``queue_length`` is a
    multiple of the global batch (images per GPU x GPUs).

    Args:
        queue_length (int): Rows over all GPUs. Defaults to 3840 (the
            reference, 1920 per GPU with 2 x 64).
        epoch_queue_starts (int): First epoch with the queue. Defaults
            to 7 (the reference's COCO recipe).
    """

    priority = 'NORMAL'

    def __init__(self,
                 queue_length: int = 3840,
                 epoch_queue_starts: int = 7) -> None:
        if queue_length <= 0 or epoch_queue_starts < 0:
            raise ValueError(
                f'FeatureQueueHook: queue_length ({queue_length}) must be '
                f'> 0 and epoch_queue_starts ({epoch_queue_starts}) >= 0.')
        self.queue_length = queue_length
        self.epoch_queue_starts = epoch_queue_starts

    def _batch_size(self, runner) -> Optional[int]:
        """Images per GPU, or None where the runner has no loader."""
        loader = getattr(runner, 'train_dataloader', None)
        return getattr(loader, 'batch_size', None)

    def before_train(self, runner) -> None:
        """Fail before the first step if the length does not divide."""
        _swav_model(runner, 'FeatureQueueHook', 'start_queue')
        batch_size = self._batch_size(runner)
        if batch_size:
            unit = batch_size * get_world_size()
            below = self.queue_length - self.queue_length % unit
            if below != self.queue_length:
                raise ValueError(
                    f'FeatureQueueHook: queue_length={self.queue_length} is '
                    f'not a multiple of the global batch ({batch_size} '
                    f'images per GPU x {get_world_size()} GPUs = {unit}); '
                    f'e.g. {max(below, unit)}.')

    def before_train_epoch(self, runner) -> None:
        """Start (or keep) the queue from ``epoch_queue_starts`` on."""
        if runner.epoch >= self.epoch_queue_starts:
            model = _swav_model(runner, 'FeatureQueueHook', 'start_queue')
            model.start_queue(self.queue_length, self._batch_size(runner))


@HOOKS.register_module()
class PrototypeFreezeHook(Hook):
    """Freeze the prototypes for the first ``frozen_iters`` iterations.

    Calls ``model.set_prototypes_frozen(runner.iter < frozen_iters)``
    before every iteration (global iterations counted from 0, so a
    resumed run freezes exactly as an uninterrupted one). While frozen
    the prototypes' grads stay None (docs/reference/gaelle.md,
    "Prototype freezing"); under
    DDP set ``find_unused_parameters=True``.

    Args:
        frozen_iters (int): Iterations with frozen prototypes. Defaults
            to 5005 (the reference, SwAV's ImageNet value).
    """

    priority = 'NORMAL'

    def __init__(self, frozen_iters: int = 5005) -> None:
        if frozen_iters < 0:
            raise ValueError('PrototypeFreezeHook: frozen_iters must be >= '
                             f'0, got {frozen_iters}.')
        self.frozen_iters = frozen_iters

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[Sequence[dict]] = None) -> None:
        """Freeze while ``runner.iter < frozen_iters``."""
        model = _swav_model(runner, 'PrototypeFreezeHook',
                            'set_prototypes_frozen')
        model.set_prototypes_frozen(runner.iter < self.frozen_iters)

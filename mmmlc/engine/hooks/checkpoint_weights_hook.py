"""Choose the raw or the EMA weights of a checkpoint before it is loaded."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import MMLogger

from mmmlc.registry import HOOKS

WEIGHT_CHOICES = ('ema', 'raw')


def checkpoint_weights(checkpoint: dict) -> str:
    """Which weights ``checkpoint['state_dict']`` holds: 'ema' or 'raw'.

    mmengine's ``EMAHook`` saves the averaged weights as ``state_dict`` (so
    a plain load gives the EMA model) and the raw weights, keys prefixed
    ``module.``, in ``ema_state_dict``. A checkpoint without
    ``ema_state_dict`` holds only raw weights.
    """
    return 'ema' if 'ema_state_dict' in checkpoint else 'raw'


def select_checkpoint_weights(checkpoint: dict,
                              weights: Optional[str] = None,
                              source: str = 'the checkpoint') -> str:
    """Make ``checkpoint['state_dict']`` hold the chosen weights, in place.

    Args:
        checkpoint (dict): A loaded mmengine checkpoint.
        weights (str, optional): ``'ema'``, ``'raw'`` or None to keep what
            ``state_dict`` holds.
        source (str): Name of the checkpoint in error messages.

    Returns:
        str: The weights ``state_dict`` holds now, ``'ema'`` or ``'raw'``.
    """
    held = checkpoint_weights(checkpoint)
    if weights is None or weights == held:
        return held
    if weights not in WEIGHT_CHOICES:
        raise ValueError(f'weights must be one of {WEIGHT_CHOICES} or None, '
                         f'got {weights!r}')
    if held == 'raw':
        raise ValueError(
            f'{source} has no EMA weights (no `ema_state_dict`: it was not '
            'trained with an EMAHook); drop --ema / use --weights raw')
    model_state = checkpoint['state_dict']
    ema_state = checkpoint['ema_state_dict']
    # The swap of mmengine's EMAHook._swap_ema_state_dict: after it,
    # state_dict holds the raw weights and ema_state_dict the average.
    for key in ema_state:
        if key.startswith('module.') and key[7:] in model_state:
            ema_state[key], model_state[key[7:]] = (model_state[key[7:]],
                                                    ema_state[key])
    checkpoint.pop('ema_state_dict')
    return weights


@HOOKS.register_module()
class CheckpointWeightsHook(Hook):
    """Load the raw or the EMA weights of a checkpoint, and say which.

    ``tools/test.py --weights raw|ema`` (``--ema``) adds this hook. It runs
    before the model (and an ``EMAHook``, which copies ``state_dict`` into
    its average) reads the checkpoint, so that the model is tested with the
    chosen weights; with ``weights=None`` it only logs which ones the
    checkpoint holds. It edits the loaded checkpoint dict, not the model.

    Args:
        weights (str, optional): ``'ema'``, ``'raw'`` or None.
    """
    priority = 'VERY_HIGH'

    def __init__(self, weights: Optional[str] = None) -> None:
        if weights not in (None, ) + WEIGHT_CHOICES:
            raise ValueError(f'weights must be one of {WEIGHT_CHOICES} or '
                             f'None, got {weights!r}')
        self.weights = weights

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Swap the weights in the checkpoint dict when asked, log them."""
        if getattr(runner, '_resume', False):
            return  # a resumed run needs both copies as saved
        held = select_checkpoint_weights(checkpoint, self.weights)
        MMLogger.get_current_instance().info(
            f'Testing with the {held.upper()} weights of the checkpoint'
            + ('' if held == 'ema' or self.weights == 'raw' else
               ' (it holds no EMA weights)'))

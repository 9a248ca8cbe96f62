"""``BF16OptimWrapper``: bfloat16 autocast without a gradient scaler."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmengine.runner.amp import autocast

from mmmlc.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """Mixed precision with ``torch.autocast(dtype=torch.bfloat16)``.

    bfloat16 has float32's exponent range, so gradients need no loss
    scaling. mmengine's ``AmpOptimWrapper`` builds a ``GradScaler`` for
    every dtype, whose ``step`` reads the inf check back to the host once
    per iteration, and asserts a GPU; this wrapper only adds the autocast
    context to :class:`mmengine.optim.OptimWrapper`, on CUDA or CPU.
    Parameters, gradients and optimizer state stay float32.

    Args: as :class:`mmengine.optim.OptimWrapper` (``optimizer``,
        ``accumulative_counts``, ``clip_grad``).
    """

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        """Gradient-accumulation context of the parent, under autocast."""
        with super().optim_context(model), autocast(dtype=torch.bfloat16):
            yield

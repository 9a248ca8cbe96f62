"""Run-time environment set-up shared by ``tools/train.py`` and ``test.py``."""
import datetime
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def use_amp(cfg: Config, dtype: str = 'bfloat16') -> None:
    """Switch the config's optimizer wrapper to mixed precision.

    ``bfloat16`` uses :class:`mmmlc.engine.BF16OptimWrapper` (autocast, no
    gradient scaler, so no host sync per step; CUDA or CPU). ``float16``
    uses mmengine's ``AmpOptimWrapper`` with dynamic loss scaling, which
    needs a CUDA GPU.

    Args:
        cfg (Config): The config, changed in place.
        dtype (str): ``'bfloat16'`` or ``'float16'``.
    """
    if dtype not in ('bfloat16', 'float16'):
        raise ValueError(f'AMP dtype must be bfloat16 or float16, got {dtype}')
    wrapper = cfg.optim_wrapper
    current = wrapper.get('type', 'OptimWrapper')
    if current in ('AmpOptimWrapper', 'BF16OptimWrapper'):
        return  # the config already chose its mixed precision
    if current != 'OptimWrapper':
        raise ValueError(
            f'--amp replaces OptimWrapper, but the config uses {current}: '
            'set mixed precision in the config instead.')
    if dtype == 'bfloat16':
        wrapper.type = 'BF16OptimWrapper'
        return
    if not torch.cuda.is_available():
        raise RuntimeError(
            'float16 AMP needs a CUDA GPU (mmengine AmpOptimWrapper); use '
            'bfloat16 or run without --amp on a CPU.')
    wrapper.type = 'AmpOptimWrapper'
    wrapper.dtype = 'float16'
    wrapper.loss_scale = 'dynamic'


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Let a distributed launch run on CPUs with the gloo backend.

    mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and its DDP
    wrapper passes ``device_ids``; both fail on a machine without CUDA. Here
    the process group is created with gloo first (the Runner then skips its
    own ``init_dist``) and the wrapper is built with ``device_ids=None``.

    Args:
        cfg (Config): The config, changed in place.
        launcher (str): The ``--launcher`` value.

    Returns:
        bool: Whether the CPU fallback was applied.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher != 'pytorch':
        raise RuntimeError(
            f'launcher {launcher!r} needs CUDA; on a CPU-only machine use '
            '--launcher pytorch (tools/dist_train.sh), which falls back to '
            'the gloo backend.')
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    if not torch_dist.is_initialized():
        timeout = datetime.timedelta(seconds=dist_cfg.get('timeout', 1800))
        torch_dist.init_process_group(
            backend='gloo',
            rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']),
            timeout=timeout)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    return True


def teardown_distributed() -> None:
    """Destroy the default process group, if any, before the process exits.

    mmengine's Runner leaves it alive; PyTorch asks for an explicit
    ``destroy_process_group`` so that the backend's threads stop while the
    interpreter is whole, not in its finalisers at exit.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.destroy_process_group()

"""Run-time environment set-up shared by ``tools/train.py`` and ``test.py``."""
import datetime
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def use_amp(cfg: Config, dtype: str = 'bfloat16') -> None:
    """Switch the config's optimizer wrapper to mmengine's AMP wrapper.

    Args:
        cfg (Config): The config, changed in place.
        dtype (str): ``'bfloat16'`` or ``'float16'``.

    Raises:
        RuntimeError: Without CUDA, since ``AmpOptimWrapper`` asserts a GPU.
    """
    if not torch.cuda.is_available():
        raise RuntimeError(
            '--amp needs a CUDA GPU (mmengine AmpOptimWrapper); run without '
            '--amp on a CPU.')
    if dtype not in ('bfloat16', 'float16'):
        raise ValueError(f'AMP dtype must be bfloat16 or float16, got {dtype}')
    wrapper = cfg.optim_wrapper
    if wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
        wrapper.setdefault('dtype', dtype)
        return
    if wrapper.get('type', 'OptimWrapper') != 'OptimWrapper':
        raise ValueError(
            f'--amp replaces OptimWrapper, but the config uses '
            f"{wrapper['type']}: set AMP in the config instead.")
    wrapper.type = 'AmpOptimWrapper'
    wrapper.dtype = dtype
    # float16 needs loss scaling; bfloat16 has fp32's range and does not.
    wrapper.loss_scale = 'dynamic' if dtype == 'float16' else 1.0


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

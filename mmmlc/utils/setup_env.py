"""Run-time set-up shared by ``tools/train.py`` and ``tools/test.py``."""
import argparse
import datetime
import gc
import os
import os.path as osp
from typing import Optional, Sequence, Tuple

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner, find_latest_checkpoint

from .checkpoint_embedding import embedding_from_checkpoint
from .config_loading import add_cfg_options_argument


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options both tools take after their own.

    ``--work-dir``, ``--cfg-options``, ``--launcher`` and ``--local-rank``
    (the last one set by ``torch.distributed.launch``).

    Args:
        parser (argparse.ArgumentParser): The tool's parser, changed in
            place.
    """
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    add_cfg_options_argument(parser)
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser,
                      argv: Optional[Sequence[str]] = None
                      ) -> argparse.Namespace:
    """Parse ``argv`` and export ``LOCAL_RANK`` when no launcher set it.

    Args:
        parser (argparse.ArgumentParser): A parser with
            :func:`add_runner_arguments`.
        argv (Sequence[str], optional): ``sys.argv[1:]`` when None.

    Returns:
        argparse.Namespace: The parsed options.
    """
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def load_runner_config(args: argparse.Namespace) -> Config:
    """Read ``args.config`` and apply the shared options.

    ``--cfg-options`` are merged, the work dir is ``--work-dir``, else the
    config's ``work_dir``, else ``./work_dirs/<config name>``, and the
    launcher is recorded for the Runner.

    Args:
        args (argparse.Namespace): Options of :func:`add_runner_arguments`
            plus ``config``.

    Returns:
        Config: The config.
    """
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.launcher = args.launcher
    return cfg


def run(cfg: Config, mode: str,
        hooks: Sequence[Tuple[Hook, str]] = ()) -> None:
    """Build the Runner, run ``train`` or ``test``, end the process group.

    Args:
        cfg (Config): The config from :func:`load_runner_config`.
        mode (str): ``'train'`` or ``'test'``.
        hooks (Sequence[tuple]): ``(hook, priority)`` pairs registered
            before the run, for a tool that reads what they record.
    """
    if mode == 'train' and cfg.get('resume') and not cfg.get('load_from'):
        # resume=True set in the config rather than by --resume.
        cfg.load_from = checkpoint_to_resume('auto', cfg.work_dir)
    embedding_from_checkpoint(cfg.model, cfg.get('load_from'))
    setup_cpu_distributed(cfg, cfg.launcher)
    runner = Runner.from_cfg(cfg)
    for hook, priority in hooks:
        runner.register_hook(hook, priority)
    getattr(runner, mode)()
    del runner  # its DDP wrapper holds the process group
    teardown_distributed()


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

    Call it after dropping the Runner (``del runner``): its DDP wrapper
    holds the group, and a group still referenced when
    ``destroy_process_group`` returns is freed only in the interpreter's
    finalisers, where gloo's worker threads are destroyed unjoined and the
    rank aborts with "terminate called without an active exception". Here
    the peers meet at a barrier (the last validation's broadcasts are
    done), the collector frees the Runner's reference cycles, and the group
    is destroyed, so its threads are joined while the interpreter is whole.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        gc.collect()
        torch_dist.destroy_process_group()


def checkpoint_to_resume(resume: str, work_dir: str) -> str:
    """The checkpoint ``--resume [PATH]`` (or ``resume=True``) resumes from.

    mmengine's Runner, asked to resume with nothing to resume, logs
    "resumed from None" and trains from scratch; here that is an error, and
    starting afresh is the separate choice of leaving ``--resume`` out.

    Args:
        resume (str): The ``--resume`` value: a checkpoint path, or
            ``'auto'`` for the latest checkpoint of ``work_dir`` (the one
            its ``last_checkpoint`` file names).
        work_dir (str): The run's work dir.

    Returns:
        str: Path of an existing checkpoint file.

    Raises:
        FileNotFoundError: If the path, or the work dir's latest checkpoint,
            is not a file.
    """
    if resume != 'auto':
        if not osp.isfile(resume):
            raise FileNotFoundError(
                f'--resume {resume}: no such checkpoint file.')
        return resume
    latest = find_latest_checkpoint(work_dir)
    if latest is None or not osp.isfile(latest):
        found = f' (its last_checkpoint names {latest})' if latest else ''
        raise FileNotFoundError(
            f'resume: nothing to resume in the work dir {work_dir}: no '
            f'last_checkpoint file pointing at a checkpoint{found}. Give '
            'the checkpoint with --resume PATH (or --work-dir of the run to '
            'resume), or leave --resume out to start a fresh run.')
    return latest

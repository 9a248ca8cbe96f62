"""Training-step throughput of any config, without a dataset or a Runner.

Protocol of ``docs/benchmarks.md``: random weights, one fixed synthetic
batch on the device, ``warmup`` untimed then ``iters`` timed iterations each
closed by ``torch.cuda.synchronize()``, img/s = batch size / median time.
One iteration = ``model.train_step(batch, optim_wrapper)`` plus the
``before/after_train_iter`` of the config's ``custom_hooks`` (EMA, momentum
encoders, queues); the Runner's ``default_hooks`` (timer, logger,
checkpoint, LR schedule) are bookkeeping and left out.
"""
import copy
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dist import get_rank, get_world_size
from mmengine.logging import MessageHub, MMLogger
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner.priority import get_priority


from mmmlc.registry import HOOKS, MODELS
from .setup_env import use_amp
from .synthetic_batch import (_cfg_name, _to_device, _type_name,
                              build_synthetic_batch)

TABLE_HEADER = ('| config | device | batch | precision | channels_last | '
                'compile | img/s (median) | spread | peak mem GiB |')
TABLE_SEPARATOR = '|---|---|---|---|---|---|---|---|---|'
_PRETRAINED_TYPES = ('Pretrained', 'PretrainedInit')


@dataclass
class BenchmarkResult:
    """Timings of one benchmark run.

    Args:
        config (str): Name of the config (file stem).
        device (str): ``'cuda'`` or ``'cpu'``.
        batch_size (int): Samples per iteration (pairs for two-view SSL).
        precision (str): ``'fp32'``, ``'bf16 AMP'`` or ``'fp16 AMP'``.
        channels_last (bool): Model and inputs channels_last.
        compiled (bool): ``train_step`` went through ``torch.compile``.
        iter_times (list[float]): Seconds of each timed iteration.
        peak_mem_bytes (int, optional): ``max_memory_allocated`` of the
            timed iterations; None on the CPU.
    """
    config: str
    device: str
    batch_size: int
    precision: str
    channels_last: bool
    compiled: bool
    iter_times: List[float]
    peak_mem_bytes: Optional[int]

    @property
    def img_per_s(self) -> float:
        """float: Images per second at the median iteration time."""
        return self.batch_size / statistics.median(self.iter_times)

    @property
    def spread(self) -> Tuple[float, float]:
        """tuple[float, float]: (min, max) img/s over the timed iterations."""
        return (self.batch_size / max(self.iter_times),
                self.batch_size / min(self.iter_times))

    def table_row(self) -> str:
        """Return the result as one markdown row under TABLE_HEADER."""
        low, high = self.spread
        mem = ('-' if self.peak_mem_bytes is None else
               f'{self.peak_mem_bytes / 2**30:.2f}')
        yes_no = {True: 'yes', False: 'no'}
        cells = [
            self.config, self.device, str(self.batch_size), self.precision,
            yes_no[self.channels_last], yes_no[self.compiled],
            _rate(self.img_per_s), f'{_rate(low)}-{_rate(high)}', mem
        ]
        return '| ' + ' | '.join(cells) + ' |'


def _rate(value: float) -> str:
    """One decimal for GPU-sized rates, 3 significant digits for tiny ones."""
    return f'{value:.1f}' if value >= 10 else f'{value:.3g}'


class StandInRunner:
    """The part of :class:`mmengine.runner.Runner` that method hooks read.

    Provided: ``model``, ``optim_wrapper``, ``cfg``, ``logger``,
    ``message_hub``, ``work_dir`` (a fresh temporary folder), ``iter``,
    ``epoch``, ``inner_iter``, ``max_iters``, ``max_epochs``, ``rank``,
    ``world_size``, ``distributed``, ``_resume`` (False), ``train_loop``
    (itself, so ``train_loop.iter`` etc. work) and ``train_dataloader``, a
    stand-in with only ``batch_size`` (queue hooks check it divides their
    length); there is no data to iterate.
    That covers mmengine's / mmpretrain's ``EMAHook`` (``model``, ``iter``,
    ``epoch``, ``max_iters``, ``max_epochs``, ``_resume``), ``SwAVHook``
    (``work_dir``, ``world_size``), ``DenseCLHook`` and ``WarmupParamHook``.
    Any other attribute raises an ``AttributeError`` that names it.

    Args:
        model (torch.nn.Module): The model being trained.
        optim_wrapper: The built optimizer wrapper.
        cfg (Config): The full config.
        max_iters (int): Iterations of the simulated schedule.
        max_epochs (int): Epochs of the simulated schedule.
        start_iter (int): ``iter`` at the first step.
        start_epoch (int): ``epoch`` during the run.
    """

    def __init__(self, model: torch.nn.Module, optim_wrapper: Any,
                 cfg: Config, max_iters: int, max_epochs: int,
                 start_iter: int, start_epoch: int, batch_size: int) -> None:
        self.model = model
        self.optim_wrapper = optim_wrapper
        self.cfg = cfg
        self.logger = MMLogger.get_current_instance()
        self.message_hub = MessageHub.get_instance('mmmlc_benchmark')
        self._work_dir = tempfile.TemporaryDirectory(prefix='mmmlc_bench_')
        self.work_dir = self._work_dir.name
        self.iter, self.inner_iter, self.epoch = start_iter, 0, start_epoch
        self.max_iters, self.max_epochs = max_iters, max_epochs
        self.rank, self.world_size = get_rank(), get_world_size()
        self.distributed = self.world_size > 1
        self._resume = False
        self.train_loop = self
        self.train_dataloader = SimpleNamespace(batch_size=batch_size)

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not set in __init__.
        raise AttributeError(
            f'the benchmark stand-in runner has no `{name}`; see '
            f'StandInRunner for what it provides')


def drop_pretrained_init(node: Any) -> int:
    """Remove every ``init_cfg`` of type Pretrained, in place, recursively.

    Args:
        node: A config node (dict, list or leaf).

    Returns:
        int: Number of Pretrained entries removed.
    """
    if isinstance(node, (list, tuple)):
        return sum(drop_pretrained_init(value) for value in node)
    if not isinstance(node, dict):
        return 0
    removed = 0
    init = node.get('init_cfg')
    inits = init if isinstance(init, list) else [init]
    kept = [c for c in inits if not (isinstance(c, dict)
                                     and c.get('type') in _PRETRAINED_TYPES)]
    if len(kept) < len(inits):
        removed = len(inits) - len(kept)
        if isinstance(init, list):
            node['init_cfg'] = kept
        else:
            node.pop('init_cfg')
    return removed + sum(drop_pretrained_init(v) for v in node.values())


def _channels_last_pre_hook(module: torch.nn.Module, args: tuple) -> tuple:
    """Forward pre-hook: hand the backbone channels_last 4-D inputs."""
    # mmpretrain's preprocessors stack a list of images into a contiguous
    # NCHW tensor, which would silently undo --channels-last.
    return tuple(
        a.contiguous(memory_format=torch.channels_last)
        if isinstance(a, torch.Tensor) and a.dim() == 4 else a for a in args)


def _build_hooks(hook_cfgs: list) -> list:
    """Build ``custom_hooks`` in the Runner's priority order."""
    hooks = []
    for hook_cfg in hook_cfgs:
        hook_cfg = dict(hook_cfg)
        priority = hook_cfg.pop('priority', None)
        hook = HOOKS.build(hook_cfg)
        if priority is not None:
            hook.priority = priority
        hooks.append(hook)
    # sorted() is stable: equal priorities keep config order, as mmengine.
    return sorted(hooks, key=lambda h: get_priority(h.priority))


class TrainStepBenchmark:
    """Everything one training step of a config needs, set up once.

    Args:
        cfg (Config): The full config.
        config_name (str): Name shown in the table row and in errors.
        device (str): ``'cuda'`` or ``'cpu'``.
        batch_size (int, optional): Default ``train_dataloader.batch_size``.
        amp (bool): Mixed precision as ``tools/train.py --amp``: bfloat16
            through ``BF16OptimWrapper``, float16 through mmengine's
            ``AmpOptimWrapper`` (GPU only).
        amp_dtype (str): ``'bfloat16'`` or ``'float16'`` with ``amp``.
        channels_last (bool): channels_last model and inputs.
        compile (bool): ``torch.compile`` the ``train_step`` as mmengine's
            Runner does with ``compile=True`` (options from ``cfg.compile``
            when a dict). A config that sets ``compile`` compiles anyway.
        input_shape (Sequence[int]): ``(H, W)`` of the synthetic image.
        num_classes (int): Label space when the config has no
            ``model.head.num_classes``. Defaults to 80 (COCO).
        seed (int): Seed of weights, data and transforms.
        start_iter (int): ``runner.iter`` at the first step.
        start_epoch (int): ``runner.epoch`` during the run (to time a phase
            after e.g. a queue starts).
        iters_per_epoch (int): Gives the hooks ``max_iters`` of an
            epoch-based schedule.
    """

    def __init__(self, cfg: Config, config_name: str, device: str = 'cuda',
                 batch_size: Optional[int] = None, amp: bool = False,
                 amp_dtype: str = 'bfloat16', channels_last: bool = False,
                 compile: bool = False,
                 input_shape: Sequence[int] = (480, 640),
                 num_classes: int = 80, seed: int = 0, start_iter: int = 0,
                 start_epoch: int = 0, iters_per_epoch: int = 1000) -> None:
        self.config_name, self.channels_last = config_name, channels_last
        self.device = torch.device(device)
        if self.device.type == 'cuda' and not torch.cuda.is_available():
            raise RuntimeError(f'{config_name}: --device cuda asked for but '
                               f'no CUDA GPU is available; use --device cpu')
        for key in ('model', 'optim_wrapper'):
            if key not in cfg:
                raise ValueError(f'config {_cfg_name(cfg)}: expected `{key}`')
        if amp:
            # The same switch as tools/train.py --amp.
            cfg = copy.deepcopy(cfg)
            use_amp(cfg, amp_dtype)
        optim_cfg = copy.deepcopy(cfg.optim_wrapper)
        optim_type = _type_name(optim_cfg.get('type', ''))
        is_amp = optim_type in ('AmpOptimWrapper', 'BF16OptimWrapper')
        if optim_type == 'AmpOptimWrapper' and self.device.type != 'cuda':
            raise ValueError(
                f'{config_name}: AmpOptimWrapper (float16) needs a CUDA GPU, '
                f'mmengine asserts one when it is built; use --device cuda '
                f'on a GPU machine, or bfloat16 / fp32 on the CPU')
        if batch_size is None:
            batch_size = (cfg.get('train_dataloader') or {}).get('batch_size')
            if batch_size is None:
                raise ValueError(f'config {_cfg_name(cfg)}: no `train_'
                                 f'dataloader.batch_size`; pass --batch-size')
        self.batch_size = int(batch_size)
        init_default_scope(cfg.get('default_scope', 'mmmlc'))
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        if cfg.get('env_cfg', {}).get('cudnn_benchmark'):
            torch.backends.cudnn.benchmark = True  # as the Runner would

        self.model = self._build_model(cfg)
        self.optim_wrapper = build_optim_wrapper(self.model, optim_cfg)
        self.precision = 'fp32' if not is_amp else (
            'fp16 AMP' if optim_type == 'AmpOptimWrapper' else 'bf16 AMP')
        train_cfg = cfg.get('train_cfg') or {}
        max_epochs = 1 if 'max_iters' in train_cfg else int(
            train_cfg.get('max_epochs', 1))
        max_iters = int(
            train_cfg.get('max_iters', max_epochs * iters_per_epoch))
        self.optim_wrapper.initialize_count_status(self.model, start_iter,
                                                   max_iters)
        self.runner = StandInRunner(self.model, self.optim_wrapper, cfg,
                                    max_iters, max_epochs, start_iter,
                                    start_epoch, self.batch_size)
        self.hooks = _build_hooks(cfg.get('custom_hooks') or [])
        for stage in ('before_run', 'before_train', 'before_train_epoch'):
            for hook in self.hooks:
                getattr(hook, stage)(self.runner)

        compile_cfg = cfg.get('compile')
        self.compiled = bool(compile or compile_cfg)
        if self.compiled:
            # As Runner._maybe_compile (after before_run, so EMA copies the
            # plain model): the whole train_step, not only forward.
            options = compile_cfg if isinstance(compile_cfg, dict) else {}
            self.model.train_step = torch.compile(self.model.train_step,
                                                  **options)
        head = cfg.model.get('head') or {}
        num_classes = int(head.get('num_classes', num_classes))
        batch = build_synthetic_batch(cfg, self.batch_size, num_classes,
                                      input_shape, seed)
        self.batch = _to_device(batch, self.device, channels_last)

    def _build_model(self, cfg: Config) -> torch.nn.Module:
        """Build the model: random weights, on the device, train mode."""
        model_cfg = copy.deepcopy(cfg.model)
        if cfg.get('data_preprocessor') is not None:
            # The Runner hands the top-level preprocessor to the model too.
            model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
        drop_pretrained_init(model_cfg)
        model = MODELS.build(model_cfg)
        model.init_weights()
        model.to(self.device)
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
            if hasattr(model, 'backbone'):
                model.backbone.register_forward_pre_hook(
                    _channels_last_pre_hook)
        return model.train()

    def step(self) -> dict:
        """Run one full training iteration, adding no host sync.

        Returns:
            dict: The ``log_vars`` of ``train_step`` (tensors).
        """
        runner = self.runner
        for hook in self.hooks:
            hook.before_train_iter(runner, runner.inner_iter, self.batch)
        outputs = self.model.train_step(self.batch, self.optim_wrapper)
        for hook in self.hooks:
            hook.after_train_iter(runner, runner.inner_iter, self.batch,
                                  outputs)
        runner.iter += 1
        runner.inner_iter += 1
        return outputs

    def run(self, warmup: int = 8, iters: int = 25,
            clock: str = 'wall') -> BenchmarkResult:
        """Time ``iters`` iterations after ``warmup`` untimed ones.

        Args:
            warmup (int): Untimed iterations (compilation, cuDNN autotune).
            iters (int): Timed iterations, each closed by a synchronize.
            clock (str): ``'wall'`` (``time.perf_counter``) or
                ``'process'`` (``time.process_time``: CPU seconds of this
                process, all its threads; on a CPU shared with other jobs
                it leaves out the time spent waiting for a core).

        Returns:
            BenchmarkResult: Iteration times and peak memory.
        """
        if iters < 1:
            raise ValueError(f'iters must be >= 1, got {iters}')
        clocks = dict(wall=time.perf_counter, process=time.process_time)
        if clock not in clocks:
            raise ValueError(f'clock must be one of {sorted(clocks)}, got '
                             f'{clock!r}')
        now = clocks[clock]
        cuda = self.device.type == 'cuda'
        sync = torch.cuda.synchronize if cuda else (lambda: None)
        for _ in range(warmup):
            self.step()
        sync()
        if cuda:
            torch.cuda.reset_peak_memory_stats(self.device)
        stamps = [now()]
        for _ in range(iters):
            self.step()
            sync()
            stamps.append(now())
        return BenchmarkResult(
            self.config_name, self.device.type, self.batch_size,
            self.precision, self.channels_last, self.compiled,
            iter_times=[b - a for a, b in zip(stamps[:-1], stamps[1:])],
            peak_mem_bytes=(torch.cuda.max_memory_allocated(self.device)
                            if cuda else None))

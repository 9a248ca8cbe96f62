"""Compatibility fixes applied once, at ``import mmmlc``.

Two problems of today's stack are fixed here, narrowly:

1. PyTorch >= 2.6 loads with ``torch.load(weights_only=True)`` by default,
   and mmengine 0.10.7's checkpoints hold a ``MessageHub`` whose
   ``HistoryBuffer`` objects (and the numpy arrays inside them) are not on
   PyTorch's allow-list. We allow-list exactly those globals. Two objects
   also pickle functions by reference, which pickle writes as
   ``getattr(Class, 'name')``: the buffer's statistics methods
   (``HistoryBuffer.min`` ...) and the one-cycle scheduler's annealing
   function (``OneCycleParamScheduler._annealing_cos``). Allowing the real
   ``builtins.getattr`` would open arbitrary code execution, so the name
   ``builtins.getattr`` is bound to :func:`checkpoint_getattr`, which
   resolves only those attributes and refuses everything else.
   ``weights_only`` itself is never turned off.
2. mmpretrain 1.2.0 enables its multi-modal models (BLIP, ...) whenever
   pycocotools and transformers >= 4.28 are importable, and those modules
   fail to import with transformers >= 5 (``apply_chunking_to_forward`` was
   removed), which breaks ``import mmpretrain.models`` as a whole. With
   transformers >= 5 we switch mmpretrain's multi-modal flag off before its
   models are imported; mmmlc uses none of those models.
"""
import sys
from importlib import metadata

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler
from mmengine.utils import digit_version

_DONE = False


def _allowed_attributes(obj: object) -> tuple:
    """Attributes of ``obj`` that mmengine checkpoints pickle by reference."""
    if obj is HistoryBuffer:
        # Custom methods registered with HistoryBuffer.register_statistics
        # are pickled the same way.
        return ('min', 'max', 'current', 'mean',
                *HistoryBuffer._statistics_methods)
    if obj is OneCycleParamScheduler:
        return ('_annealing_cos', '_annealing_linear')
    return ()


def checkpoint_getattr(obj: object, name: str) -> object:
    """Stand-in for ``builtins.getattr`` in ``weights_only`` loads.

    Args:
        obj (object): ``HistoryBuffer`` or ``OneCycleParamScheduler``.
        name (str): A statistics method of ``HistoryBuffer`` (``min``,
            ``max``, ``current``, ``mean`` or a registered custom one), or an
            annealing function of ``OneCycleParamScheduler``.

    Returns:
        object: The attribute.

    Raises:
        pickle.UnpicklingError: For any other object or attribute.
    """
    import pickle
    if isinstance(name, str) and name in _allowed_attributes(obj):
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'Refusing getattr({obj!r}, {name!r}) while loading a checkpoint '
        'with weights_only=True: only the functions mmengine checkpoints '
        'reference (HistoryBuffer statistics, OneCycleParamScheduler '
        'annealing) are allowed.')


def _numpy_checkpoint_globals() -> list:
    """Globals numpy arrays and scalars pickle through (numpy 1.x and 2.x)."""
    core = getattr(np, '_core', None) or np.core
    globals_ = [np.ndarray, np.dtype, core.multiarray._reconstruct,
                core.multiarray.scalar]
    # numpy >= 1.25 may pickle dtypes through their per-type classes.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        globals_ += [
            getattr(dtypes, name) for name in dir(dtypes)
            if name.endswith('DType')
        ]
    return globals_


def allow_mmengine_checkpoint_globals() -> None:
    """Allow-list the globals an mmengine Runner checkpoint needs."""
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # torch < 2.4 does not default to it
        return
    # numpy 2 writes module paths under ``numpy._core``; numpy 1.x files say
    # ``numpy.core``: register the same objects under both names.
    core = getattr(np, '_core', None) or np.core
    legacy = [(core.multiarray._reconstruct,
               'numpy.core.multiarray._reconstruct'),
              (core.multiarray.scalar, 'numpy.core.multiarray.scalar')]
    add_safe_globals(_numpy_checkpoint_globals() + legacy + [
        HistoryBuffer, OneCycleParamScheduler,
        (checkpoint_getattr, 'builtins.getattr')
    ])


def disable_broken_multimodal() -> bool:
    """Switch mmpretrain's multi-modal models off under transformers >= 5.

    Returns:
        bool: Whether the flag was switched off.
    """
    try:
        version = metadata.version('transformers')
    except metadata.PackageNotFoundError:
        return False
    if digit_version(version) < digit_version('5.0.0'):
        return False
    if 'mmpretrain.models' in sys.modules:
        # Too late to help; a failure, if any, has already been raised.
        return False
    from mmpretrain.utils import dependency
    dependency.WITH_MULTIMODAL = False
    return True


def setup_compat() -> None:
    """Apply the fixes above once per process."""
    global _DONE
    if _DONE:
        return
    allow_mmengine_checkpoint_globals()
    disable_broken_multimodal()
    from .safe_checkpoint import use_safe_local_loader
    use_safe_local_loader()
    _DONE = True

"""``AtomicCheckpointHook``: checkpoints are whole files or not there.

mmengine's ``CheckpointHook`` writes ``epoch_N.pth`` in place: a full disk
leaves a truncated file after a whole epoch of work (and ``last_checkpoint``
may point at it), with an error that names no path. Here a checkpoint is
written to a temporary file in the same folder and renamed over the target
with ``os.replace`` (atomic on POSIX and Windows within one file system);
a failed write names the path, the bytes needed and the bytes free, and
leaves the earlier checkpoints intact. Before each training epoch the free
space is compared with the size of the last checkpoint, so a run warns an
epoch early instead of failing at its end.
"""
import os
import os.path as osp
import shutil
import tempfile
from pathlib import Path
from typing import Optional, Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook

from mmmlc.registry import HOOKS


def _free_bytes(folder: str) -> Optional[int]:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose ``put`` replaces files atomically."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` through a temporary sibling file.

        Raises:
            OSError: With the path, bytes needed and bytes free, if the
                write fails (the target is then unchanged).
        """
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f'.{osp.basename(filepath)}.', suffix='.tmp', dir=folder)
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, filepath)
        except OSError as err:
            if osp.exists(tmp):
                os.remove(tmp)
            free = _free_bytes(folder)
            raise OSError(
                err.errno,
                f'could not write {filepath}: {len(obj)} bytes needed, '
                f'{"unknown" if free is None else free} bytes free in '
                f'{folder} ({err.strerror or err}); the file there before, '
                'if any, is unchanged') from err


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` with atomic saves and a space check.

    Arguments are mmengine's; ``backend_args`` defaults to
    ``dict(backend='atomic_local')`` (:class:`AtomicLocalBackend`) for a
    local ``out_dir``. Before each training epoch, when the free space of
    the output folder is less than the last checkpoint's size times the
    files an epoch may write (two with ``save_best``: the epoch's and the
    best), a warning names the folder, the bytes free and needed.
    """

    def __init__(self, *args, backend_args: Optional[dict] = None,
                 **kwargs) -> None:
        if backend_args is None and kwargs.get('file_client_args') is None:
            backend_args = dict(backend='atomic_local')
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def before_train_epoch(self, runner) -> None:
        last = self.last_ckpt or runner.message_hub.get_info('last_ckpt')
        if not last or not osp.isfile(last):
            return
        folder = osp.dirname(osp.abspath(last))
        needed = osp.getsize(last) * (2 if self.save_best else 1)
        free = _free_bytes(folder)
        if free is not None and free < needed:
            runner.logger.warning(
                f'AtomicCheckpointHook: {free} bytes free in {folder}, but '
                f'the checkpoints of epoch {runner.epoch + 1} need about '
                f'{needed} bytes ({last} is {osp.getsize(last)}): free '
                'space before the epoch ends, or the save will fail.')

"""Detect host reads and host-to-device copies in a step, without a GPU."""
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten


class HostTransferGuard(TorchDispatchMode):
    """Records ops that mix CPU and ``meta`` tensors.

    Run a step on the ``meta`` device (model and batch moved there) inside
    this mode. A meta tensor has no data, so a host read (``.item()``,
    ``int(t)``, ``if t:``) fails outright, and an op that mixes a CPU
    tensor in (an index list, a constant or labels made on the host) is
    what a blocking host-to-GPU copy would be on CUDA; such ops are listed
    in :attr:`transfers` by name. So is ``aten.lift_fresh`` with a meta
    result: a tensor made from Python data on the device
    (``torch.tensor(list, device=d)``, ``x[:, [2, 1, 0]]``), which on CUDA
    is a copy from pageable host memory followed by a stream sync.

    Example:
        >>> guard = HostTransferGuard()
        >>> with guard:
        ...     model.train_step(meta_batch, optim_wrapper)
        >>> assert guard.transfers == []
    """

    def __init__(self) -> None:
        super().__init__()
        self.transfers = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        devices = {
            t.device.type
            for t in tree_flatten((args, kwargs, out))[0]
            if isinstance(t, torch.Tensor)
        }
        if {'cpu', 'meta'} <= devices or (
                func is torch.ops.aten.lift_fresh.default
                and out.device.type == 'meta'):
            self.transfers.append(str(func))
        return out

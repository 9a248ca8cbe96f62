"""``LARSForeach``: apex LARC (clip=False) + SGD, with no host sync."""
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import torch
from torch.optim.optimizer import Optimizer

from mmmlc.registry import OPTIMIZERS


def lars_trust_ratios(
        weights: List[torch.Tensor], grads: List[torch.Tensor],
        weight_decay: float, eta: float,
        eps: float) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
    """Per-tensor LARS scale of the gradient and of the decayed weight.

    For a tensor with ``||w|| > 0`` and ``||g|| > 0`` the update direction
    is ``(g + wd * w) * r`` with the trust ratio
    ``r = eta * ||w|| / (||g|| + wd * ||w|| + eps)``; otherwise it is the raw
    gradient ``g`` (``r = 1`` and no weight decay), as apex ``LARC``.
    Everything stays on the device: ``torch.where`` replaces the Python
    test on the norms.

    Args:
        weights (list[torch.Tensor]): Parameters, one device and dtype.
        grads (list[torch.Tensor]): Their gradients, same order.
        weight_decay (float): L2 coefficient ``wd``.
        eta (float): Trust coefficient.
        eps (float): Added to the denominator.

    Returns:
        tuple[list[torch.Tensor], list[torch.Tensor]]: 0-d tensors: the
        gradient scale ``r`` and the weight scale ``r * wd`` (0 where the
        tensor falls back to plain SGD) of each tensor.
    """
    w_norm = torch.stack(torch._foreach_norm(weights))
    g_norm = torch.stack(torch._foreach_norm(grads))
    valid = (w_norm > 0) & (g_norm > 0)
    ratio = eta * w_norm / (g_norm + weight_decay * w_norm + eps)
    grad_scale = torch.where(valid, ratio, torch.ones_like(ratio))
    weight_scale = torch.where(valid, ratio * weight_decay,
                               torch.zeros_like(ratio))
    return list(grad_scale.unbind(0)), list(weight_scale.unbind(0))


@OPTIMIZERS.register_module()
class LARSForeach(Optimizer):
    """LARS as SwAV/GAELLE run it: apex ``LARC(clip=False)`` around SGD.

    `Large Batch Training of Convolutional Networks
    <https://arxiv.org/abs/1708.03888>`_ (You et al. 2017), in the form of
    SwAV's and GAELLE's ``main.py`` (docs/reference/gaelle.md, "Training
    recipe"). Per
    parameter tensor ``w`` with gradient ``g`` (every tensor, BN weights and
    biases included: no exclusions)::

        d = (g + wd * w) * eta * ||w|| / (||g|| + wd * ||w|| + eps)
        d = g                          if ||w|| == 0 or ||g|| == 0
        buf = momentum * buf + d       (buf = d at the first step)
        w = w - lr * buf

    Why not mmpretrain's ``LARS``: it reads both norms with ``.item()``
    (two host syncs per tensor, ~320 per ResNet-50 step), applies weight
    decay also to the zero-norm fallback, and puts ``lr`` inside the
    momentum buffer (apex applies it outside; the two differ once the lr
    changes). Here the norms, ratios and updates are ``torch._foreach_*``
    ops on the device, grouped by device and dtype.

    A parameter whose ``grad`` is None (e.g. prototypes while a freeze hook
    drops their gradients) gets no step, no momentum and no decay.

    Args:
        params (Iterable): Parameters or parameter-group dicts.
        lr (float): Learning rate (the scheduler changes it per iteration).
        momentum (float): SGD momentum (dampening 0, no Nesterov).
            Defaults to 0.9.
        weight_decay (float): L2 coefficient, inside the trust ratio.
            Defaults to 1e-6 (SwAV/GAELLE).
        eta (float): Trust coefficient. Defaults to 0.001.
        eps (float): Added to the ratio's denominator. Defaults to 1e-8.
    """

    def __init__(self,
                 params: Iterable,
                 lr: float,
                 momentum: float = 0.9,
                 weight_decay: float = 1e-6,
                 eta: float = 0.001,
                 eps: float = 1e-8) -> None:
        for name, value in (('lr', lr), ('momentum', momentum),
                            ('weight_decay', weight_decay), ('eta', eta),
                            ('eps', eps)):
            if value < 0:
                raise ValueError(f'LARSForeach: {name} must be >= 0, got '
                                 f'{value}.')
        defaults = dict(
            lr=lr,
            momentum=momentum,
            weight_decay=weight_decay,
            eta=eta,
            eps=eps)
        super().__init__(params, defaults)

    def _group_tensors(
        self, group: dict
    ) -> Dict[Tuple[torch.device, torch.dtype], List[torch.Tensor]]:
        """Parameters with a gradient, by (device, dtype) for foreach ops."""
        buckets: Dict[Tuple[torch.device, torch.dtype],
                      List[torch.Tensor]] = {}
        for param in group['params']:
            if param.grad is None:
                continue
            if param.grad.is_sparse:
                raise RuntimeError(
                    'LARSForeach does not support sparse gradients.')
            buckets.setdefault((param.device, param.dtype), []).append(param)
        return buckets

    def _momentum_buffers(self, params: List[torch.Tensor],
                          updates: List[torch.Tensor],
                          momentum: float) -> List[torch.Tensor]:
        """``buf = momentum * buf + d``; a new buffer starts as ``d``."""
        old_bufs, old_updates = [], []
        bufs = []
        for param, update in zip(params, updates):
            state = self.state[param]
            buf = state.get('momentum_buffer')
            if buf is None:
                buf = state['momentum_buffer'] = update.detach().clone()
            else:
                old_bufs.append(buf)
                old_updates.append(update)
            bufs.append(buf)
        if old_bufs:
            torch._foreach_mul_(old_bufs, momentum)
            torch._foreach_add_(old_bufs, old_updates)
        return bufs

    @torch.no_grad()
    def step(self, closure: Optional[Callable] = None) -> Optional[float]:
        """One LARS step over every group.

        Args:
            closure (callable, optional): Re-evaluates the model and returns
                the loss.

        Returns:
            float | None: The closure's loss, if a closure was given.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for params in self._group_tensors(group).values():
                grads = [param.grad for param in params]
                grad_scale, weight_scale = lars_trust_ratios(
                    params, grads, group['weight_decay'], group['eta'],
                    group['eps'])
                # d = r * g + r * wd * w
                updates = torch._foreach_mul(grads, grad_scale)
                torch._foreach_add_(updates,
                                    torch._foreach_mul(params, weight_scale))
                if group['momentum'] != 0:
                    updates = self._momentum_buffers(params, updates,
                                                     group['momentum'])
                torch._foreach_add_(params, updates, alpha=-group['lr'])
        return loss

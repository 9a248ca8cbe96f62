"""GAELLE's prototypes, codes, feature queue and three swapped losses."""
import math
import warnings
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_gather, get_rank, get_world_size
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from torch import Tensor

from mmmlc.registry import MODELS
from ..losses.swav_losses import (global_swapped_prediction_loss,
                                  local_swapped_prediction_loss,
                                  local_to_global_prediction_loss)
from ..utils.autocast import autocast_off
from ..utils.sinkhorn import sinkhorn_knopp

PROTOTYPE_NAMES = ('prototypes', 'local_prototypes', 'l2g_prototypes')


def _at_least_float32(x: Tensor) -> Tensor:
    return x.to(torch.promote_types(x.dtype, torch.float32))


def _warn_if_prototypes_leave_a_null_space(name: str, num: int,
                                           dim: int) -> None:
    """Warn when K < D prototypes let the swapped loss stall at ln K.

    K < D unit prototypes leave a subspace orthogonal to all of them, where
    an embedding's Sinkhorn code and prediction are both uniform: the loss
    is ln K with zero gradient, a fixed point training cannot leave (seen
    on DigitScenes with K = 100, D = 128: SwAV sat at 4.6052).
    """
    if num < dim:
        warnings.warn(
            f'GAELLEHead: {name} has {num} prototypes for {dim}-d '
            f'embeddings; with fewer prototypes than dimensions the '
            f'embeddings can move orthogonal to all of them, where the '
            f'loss is stuck at ln({num}) = {math.log(num):.4f} with zero '
            f'gradient. Use at least {dim} prototypes (the reference: 3000 '
            f'for 128-d).')


@MODELS.register_module()
class GAELLEHead(BaseModule):
    r"""Prototypes and losses of GAELLE (and of SwAV without the local terms).

    The reference's steps: docs/reference/gaelle.md ("SwAV core" to
    "Total loss"). From the neck's unit embeddings z
    ``(V b, D)`` (V crops of b images, crop-major) and
    :math:`z^l` ``(2 b M, D_l)`` (view, image, slot):

    1. scores :math:`s = W_g z` ``(V, b, K)``;
    2. codes :math:`q_a`, a in ``crops_for_assign``: Sinkhorn (no
       gradient) over this batch's scores, preceded, once the feature
       queue is full, by the queue's embeddings scored with the current
       W_g; then this batch's embeddings enter the queue;
    3. :math:`L_{glb}` (:func:`global_swapped_prediction_loss`);
    4. local: :math:`s^l = W_l z^l` ``(2, b, M, K_l)``, local codes by
       Sinkhorn per view over its b M slots (no queue), :math:`L_{loc}`
       with slots shuffled (:func:`local_swapped_prediction_loss`);
    5. cross-view: :math:`t_v = W_x\,\mathrm{normalize}(\mathrm{mean}_j
       z^l_{v,j})` ``(2, b, K)`` predicts the global codes,
       :math:`L_{l2g}` (:func:`local_to_global_prediction_loss`);
    6. :math:`L = w_g L_{glb} + w_l L_{loc} + w_x L_{l2g}`, by default
       :math:`(L_{glb} + L_{loc} + L_{l2g}) / 3`.

    Scores, codes and losses run in float32 with autocast off: the
    matrices are small and S/epsilon in a 16-bit type would distort the
    codes. The prototypes (``prototypes``, ``local_prototypes``,
    ``l2g_prototypes``: Linear without bias, the reference's names) are
    L2-normalised row-wise by :meth:`normalize_prototypes`, which the
    model calls before every forward pass.

    **Feature queue.** :meth:`start_queue` allocates it (zeros). It is
    the buffer ``queue`` ``(A, L, D)`` of all ranks: rows
    ``[r L/W, (r+1) L/W)`` are rank r's FIFO of its last L/W assignment
    embeddings, i.e. the reference's per-GPU queue of L/W rows, but every
    rank holds all blocks (this batch's embeddings are all-gathered),
    so the checkpoint that rank 0 writes restores every rank's queue. A
    rank uses its block once it is full (the reference: once its last
    row is non-zero, then for good; ``use_the_queue`` resets when the
    queue is (re)started, which matters only before it is full). After
    a load, the fill level is read from the loaded rows.

    **Switches** (defaults: the reference; docs/reference/gaelle.md,
    "Quirks and switches"):

    - ``l2g_detach`` (True): :math:`z^l` is detached in the cross-view
      term, so :math:`L_{l2g}` trains only W_x (the reference detaches
      the local embeddings after the forward pass). False lets it reach
      the local head, the attention and the backbone (the paper's
      intent; SS-PRL does not detach).
    - ``global_weight``, ``local_weight``, ``l2g_weight`` (1/3 each, the
      reference's hard-coded mean). A zero weight drops the term and its
      prototypes; ``local_weight=0, l2g_weight=0, global_weight=1`` is
      plain SwAV (with the neck's ``with_local=False``).
    - ``shuffle_local`` (True): slot j of one view predicts slot
      ``perm[j]`` of the other, a fresh permutation per direction and
      step; False pairs slot j with slot j.
    - ``frozen_prototypes`` (all three): the matrices that
      :meth:`set_prototypes_frozen` freezes.

    Args:
        feat_dim (int): D of z. Defaults to 128.
        local_feat_dim (int): D_l of z^l. Defaults to 128.
        num_prototypes (int): K of W_g and W_x; fewer than ``feat_dim``
            (``local_feat_dim`` for W_x) is warned about, as it allows a
            zero-gradient point at ln K. Defaults to 3000.
        num_local_prototypes (int): K_l of W_l; warned about below
            ``local_feat_dim`` likewise. Defaults to 3000.
        num_crops (Sequence[int]): Crops per resolution group, e.g.
            ``(2, 6)``; the first group holds the two local views.
        crops_for_assign (Sequence[int]): Crops whose codes are
            predicted. Defaults to ``(0, 1)``.
        temperature (float): tau. Defaults to 0.1.
        epsilon (float): Sinkhorn epsilon. Defaults to 0.05.
        sinkhorn_iterations (int): Defaults to 3.
        global_weight (float): w_g. Defaults to 1/3.
        local_weight (float): w_l. Defaults to 1/3.
        l2g_weight (float): w_x. Defaults to 1/3.
        l2g_detach (bool): See above. Defaults to True.
        shuffle_local (bool): See above. Defaults to True.
        frozen_prototypes (Sequence[str]): See above. Defaults to all.
        init_cfg (dict | list[dict], optional): None keeps PyTorch's
            Linear init, as the reference. Defaults to None.
    """

    def __init__(self,
                 feat_dim: int = 128,
                 local_feat_dim: int = 128,
                 num_prototypes: int = 3000,
                 num_local_prototypes: int = 3000,
                 num_crops: Sequence[int] = (2, 6),
                 crops_for_assign: Sequence[int] = (0, 1),
                 temperature: float = 0.1,
                 epsilon: float = 0.05,
                 sinkhorn_iterations: int = 3,
                 global_weight: float = 1 / 3,
                 local_weight: float = 1 / 3,
                 l2g_weight: float = 1 / 3,
                 l2g_detach: bool = True,
                 shuffle_local: bool = True,
                 frozen_prototypes: Sequence[str] = PROTOTYPE_NAMES,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.num_crops = [int(n) for n in num_crops]
        self.crops_for_assign = [int(c) for c in crops_for_assign]
        total = sum(self.num_crops)
        if (not self.crops_for_assign or total < 2
                or len(set(self.crops_for_assign)) != len(
                    self.crops_for_assign)
                or not all(0 <= c < total for c in self.crops_for_assign)):
            raise ValueError(
                f'GAELLEHead: crops_for_assign={self.crops_for_assign} must '
                f'be distinct crop indices of the {total} crops of '
                f'num_crops={self.num_crops}.')
        self.needs_local = local_weight != 0 or l2g_weight != 0
        if self.needs_local and self.num_crops[0] != 2:
            raise ValueError(
                f'GAELLEHead: the local terms pair the two crops of the first '
                f'resolution group, but num_crops={self.num_crops}.')
        if min(global_weight, local_weight, l2g_weight) < 0:
            raise ValueError('GAELLEHead: loss weights must be >= 0.')
        unknown = set(frozen_prototypes) - set(PROTOTYPE_NAMES)
        if unknown:
            raise ValueError(f'GAELLEHead: frozen_prototypes names '
                             f'{sorted(unknown)}; known: {PROTOTYPE_NAMES}.')
        self.feat_dim = feat_dim
        self.temperature = temperature
        self.epsilon = epsilon
        self.sinkhorn_iterations = sinkhorn_iterations
        self.global_weight = global_weight
        self.local_weight = local_weight
        self.l2g_weight = l2g_weight
        self.l2g_detach = l2g_detach
        self.shuffle_local = shuffle_local
        self.prototypes = nn.Linear(feat_dim, num_prototypes, bias=False)
        if local_weight != 0:
            self.local_prototypes = nn.Linear(
                local_feat_dim, num_local_prototypes, bias=False)
        if l2g_weight != 0:
            self.l2g_prototypes = nn.Linear(
                local_feat_dim, num_prototypes, bias=False)
        self.frozen_prototypes = [
            name for name in frozen_prototypes if hasattr(self, name)
        ]
        for name in PROTOTYPE_NAMES:
            if hasattr(self, name):
                _warn_if_prototypes_leave_a_null_space(
                    name, *getattr(self, name).weight.shape)
        self._prototypes_frozen = False
        num_assign = len(self.crops_for_assign)
        self.register_buffer('queue', torch.zeros(num_assign, 0, feat_dim))
        self._queue_filled_rows = 0
        self._use_queue = False

    # ------------------------------------------------ state the hooks drive
    def set_prototypes_frozen(self, frozen: bool) -> None:
        """Freeze the prototypes: their grads stay None.

        While frozen, the matrices of ``frozen_prototypes`` enter the
        graph detached, so backward leaves their ``.grad`` None and the
        optimizer gives them no step, momentum or weight decay, as the
        reference's ``p.grad = None`` (docs/reference/gaelle.md,
        "Prototype freezing"). Under DDP they are then unused
        parameters: set ``find_unused_parameters=True``.

        Args:
            frozen (bool): Freeze (True) or release (False).
        """
        self._prototypes_frozen = bool(frozen)

    def start_queue(self, queue_length: int,
                    batch_size: Optional[int] = None) -> None:
        """Allocate (zeros) or keep the feature queue; reset its use flag.

        A queue of this length that exists already (e.g. loaded from a
        checkpoint) is kept.

        Args:
            queue_length (int): L, rows over all ranks (reference 3840).
            batch_size (int, optional): b, images per rank, for an early
                check that L is a multiple of b W; the first step checks
                it anyway.

        Raises:
            ValueError: If L is not a positive multiple of the global
                batch b W (or of W without ``batch_size``).
        """
        world = get_world_size()
        unit = world * (batch_size or 1)
        if queue_length <= 0 or queue_length % unit:
            batch = (f'the global batch ({batch_size} images per GPU x '
                     f'{world} GPUs = {unit})'
                     if batch_size else f'the number of GPUs ({world})')
            raise ValueError(
                f'GAELLE: queue_length={queue_length} must be a positive '
                f'multiple of {batch}; the reference uses 3840 with 2 x 64.')
        if self.queue.shape[1] != queue_length:
            self.queue = self.prototypes.weight.new_zeros(
                len(self.crops_for_assign), queue_length, self.feat_dim)
            self._queue_filled_rows = 0
            MMLogger.get_current_instance().info(
                f'GAELLE: feature queue started, {queue_length} rows '
                f'({queue_length // world} per GPU).')
        self._use_queue = False

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Resize the queue to the stored one, load, read its fill level."""
        stored = state_dict.get(prefix + 'queue')
        if isinstance(stored, Tensor) and stored.shape != self.queue.shape:
            self.queue = self.queue.new_zeros(stored.shape)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._queue_filled_rows = 0
        self._use_queue = False
        world = get_world_size()
        if self.queue.numel() and self.queue.shape[1] % world == 0:
            block = self._queue_block(self.queue)[0]  # (L/W, D)
            # FIFO from the top: the filled rows are the leading non-zero
            # ones (unit vectors). One host read per load, not per step.
            filled = (block != 0).any(dim=1).int().cumprod(dim=0).sum()
            self._queue_filled_rows = int(filled)

    def _queue_block(self, queue: Tensor) -> Tensor:
        """This rank's rows ``(A, L/W, D)`` of a global queue."""
        world = get_world_size()
        blocks = queue.view(queue.shape[0], world, -1, queue.shape[-1])
        return blocks[:, get_rank()]

    # ------------------------------------------------------------- the step
    @torch.no_grad()
    def normalize_prototypes(self) -> None:
        """L2-normalise every prototype row in place (SwAV, Sec. 3.1)."""
        for name in PROTOTYPE_NAMES:
            if hasattr(self, name):
                weight = getattr(self, name).weight
                weight.copy_(F.normalize(weight, dim=1))

    def _weight(self, name: str) -> Tensor:
        weight = getattr(self, name).weight
        if self._prototypes_frozen and name in self.frozen_prototypes:
            return weight.detach()
        return weight

    @torch.no_grad()
    def _global_codes(self, embeddings: Tensor, scores: Tensor) -> Tensor:
        """Codes ``(A, b, K)`` of the assignment crops; updates the queue.

        Args:
            embeddings (Tensor): ``(A, b, D)`` float32 unit embeddings.
            scores (Tensor): ``(A, b, K)`` their scores.
        """
        batch = scores.shape[1]
        if self.queue.numel():
            block = self._queue_block(self.queue)  # (A, L/W, D)
            if block.shape[1] % batch:
                raise ValueError(
                    f'GAELLE: the queue holds {block.shape[1]} rows per GPU, '
                    f'not a multiple of the batch per GPU ({batch}).')
            if self._use_queue or self._queue_filled_rows >= block.shape[1]:
                self._use_queue = True
                queued = torch.einsum('ald,kd->alk', block,
                                      self.prototypes.weight)
                scores = torch.cat([queued, scores], dim=1)
            # All ranks' embeddings enter all copies of the queue.
            new = torch.stack(all_gather(embeddings.contiguous()), dim=1)
            blocks = self.queue.view(new.shape[0], new.shape[1], -1,
                                     new.shape[-1])  # (A, W, L/W, D)
            self.queue.copy_(
                torch.cat([new, blocks[:, :, :-batch]],
                          dim=2).view_as(self.queue))
            self._queue_filled_rows = min(self._queue_filled_rows + batch,
                                          block.shape[1])
        codes = sinkhorn_knopp(scores, self.sinkhorn_iterations,
                               self.epsilon)
        return codes[:, -batch:]

    def loss(self, embeddings: Tensor, local_embeddings: Optional[Tensor],
             batch_size: int) -> Dict[str, Tensor]:
        """The total loss (``loss``) and its unweighted terms (logged).

        Args:
            embeddings (Tensor): z ``(V b, D)``, crop-major, unit rows.
            local_embeddings (Tensor, optional): z^l ``(2 b M, D_l)``,
                rows (view, image, slot), unit rows; needed when the local
                or cross-view weight is non-zero.
            batch_size (int): b, images per rank.

        Returns:
            dict[str, Tensor]: ``loss`` (weighted total) and the detached
            terms ``glb``, ``alg``, ``l2g`` (the reference's log names).
        """
        num_views = embeddings.shape[0] // batch_size
        if num_views != sum(self.num_crops):
            raise ValueError(
                f'GAELLEHead: {embeddings.shape[0]} embeddings for '
                f'{batch_size} images, expected num_crops={self.num_crops}.')
        if self.needs_local and local_embeddings is None:
            raise ValueError('GAELLEHead: the local or cross-view weight is '
                             'non-zero but the neck gave no local embeddings '
                             '(GAELLENeck(with_local=True)).')
        assign = self.crops_for_assign
        with autocast_off(embeddings.device):
            z = _at_least_float32(embeddings).view(num_views, batch_size, -1)
            scores = F.linear(z, self._weight('prototypes'))  # (V, b, K)
            # Stacked views, not a list index (a host-made index tensor).
            codes = self._global_codes(
                torch.stack([z[c] for c in assign]).detach(),
                torch.stack([scores[c] for c in assign]).detach())  # (A,b,K)
            glb = global_swapped_prediction_loss(scores, codes, assign,
                                                 self.temperature)
            terms = dict(glb=glb)
            if self.needs_local:
                z_local = _at_least_float32(local_embeddings).view(
                    2, batch_size, -1, local_embeddings.shape[-1])
                terms.update(self._local_terms(z_local, codes))
        total = self.global_weight * glb
        if 'alg' in terms:
            total = total + self.local_weight * terms['alg']
        if 'l2g' in terms:
            total = total + self.l2g_weight * terms['l2g']
        losses = dict(loss=total)
        losses.update({name: term.detach() for name, term in terms.items()})
        return losses

    def _local_terms(self, z_local: Tensor,
                     codes: Tensor) -> Dict[str, Tensor]:
        """L_loc (``alg``) and L_l2g (``l2g``) from z^l ``(2, b, M, D_l)``."""
        terms = {}
        if self.local_weight != 0:
            scores = F.linear(z_local,
                              self._weight('local_prototypes'))  # (2,b,M,Kl)
            local_codes = sinkhorn_knopp(
                scores.detach().flatten(1, 2), self.sinkhorn_iterations,
                self.epsilon).view_as(scores)  # (2, b, M, Kl)
            perms = None
            if self.shuffle_local:
                slots = scores.shape[2]
                # On the device: no host-made index to copy over.
                perms = torch.rand(
                    2, slots, device=scores.device).argsort(dim=1)
            terms['alg'] = local_swapped_prediction_loss(
                scores, local_codes, perms, self.temperature)
        if self.l2g_weight != 0:
            source = z_local.detach() if self.l2g_detach else z_local
            pooled = F.normalize(source.mean(dim=2), dim=-1)  # (2, b, D_l)
            pooled_scores = F.linear(
                pooled, self._weight('l2g_prototypes'))  # (2, b, K)
            terms['l2g'] = local_to_global_prediction_loss(
                pooled_scores, codes, self.temperature)
        return terms

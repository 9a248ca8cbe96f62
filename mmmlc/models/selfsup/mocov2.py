"""MoCo-v2 with a training step free of host syncs (mmpretrain ``MoCo``)."""
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.dist import all_gather, broadcast, get_rank, get_world_size
from mmpretrain.models.selfsup import MoCo
from mmpretrain.structures import DataSample

from mmmlc.registry import MODELS


@MODELS.register_module()
class MoCoV2(MoCo):
    r"""MoCo-v2 (`Chen et al. 2020 <https://arxiv.org/abs/2003.04297>`_).

    Momentum Contrast (`He et al., CVPR 2020
    <https://arxiv.org/abs/1911.05722>`_) with the v2 MLP projection and
    augmentations, as run by Object-aware cropping (Mishra et al., TMLR
    2022; ``docs/reference/object_aware_cropping.md`` (MoCo-v2 as the
    reference runs it)). One training step, in this order:

    1. Query :math:`q = \mathrm{normalize}(g(f_q(x_1)))`, ``(N, C)``, where
       ``x_1`` is the first packed view, ``f_q`` the backbone and ``g`` the
       MLP neck.
    2. Momentum update of the key encoder, before the keys are computed,
       on every parameter (buffers, e.g. BN statistics, are copied):
       :math:`\theta_k \leftarrow m\,\theta_k + (1 - m)\,\theta_q`.
    3. Keys :math:`k = \mathrm{normalize}(g_k(f_k(x_2)))`, ``(N, C)``, no
       gradient, with shuffle-BN under DDP (below).
    4. Logits :math:`[q \cdot k,\ q \cdot Q_j]_{j=1..K} / T`, ``(N, 1 + K)``,
       over the queue :math:`Q` ``(C, K)``; loss = cross-entropy with target
       index 0, one direction only (not symmetrised).
    5. Keys of all ranks are all-gathered and enqueued FIFO.

    Values of the paper's recipe: :math:`K = 65536`, :math:`C = 128`,
    :math:`m = 0.999`, :math:`T = 0.2` (``ContrastiveHead(temperature=0.2)``).
    ``momentum`` follows mmengine's convention, the weight of the *new*
    value: the paper's :math:`m = 0.999` is ``momentum=0.001``.

    Local rather than mmpretrain's ``MoCo`` because that one reads the
    device every step (a host sync; tested); otherwise the same forward,
    loss, arguments and checkpoint keys as
    :class:`~mmpretrain.models.selfsup.MoCo` (``backbone.``, ``neck.``,
    ``head.``, ``encoder_k.module.{0,1}.`` and ``encoder_k.steps``,
    ``queue``, ``queue_ptr``), so checkpoints load either way. What differs
    is how the step runs: it reads nothing back from the device.

    * Momentum update: one ``torch._foreach_lerp_`` over all parameters and
      one ``torch._foreach_copy_`` over all buffers, instead of mmengine's
      per-tensor Python loop, whose ``if self.steps == 0`` also reads a
      device tensor every step. The first update copies
      :math:`\theta_q` (as mmengine's does); a host flag "``encoder_k.steps``
      > 0" decides that, restored when a state dict is loaded (a flag, not
      a counter, so that ``torch.compile`` does not recompile every step).
    * Queue: keys are written at columns ``queue_ptr + arange(B)`` with
      ``index_copy_`` and the pointer advances on the device, instead of
      ``int(self.queue_ptr)`` (a device-to-host read every step).
    * Labels are created on the device (mmpretrain's ``ContrastiveHead``
      builds them on the CPU and copies them over, a blocking copy).
    * Shuffle-BN: the reference (and mmpretrain) all-gather the key images,
      permute them with a permutation broadcast from rank 0, run the key
      encoder on this rank's share and undo the permutation, so that a
      query and its key are not normalised with the statistics of the same
      sub-batch. We do the same under DDP with the permutation drawn on the
      device (mmpretrain draws it on the CPU and indexes device tensors with
      it: blocking copies). With one process the permutation stays inside
      the one BN batch and changes nothing, so it is skipped. BN is per GPU
      (no SyncBN), as in the reference.

    ``queue_len`` must be a multiple of the global batch (all ranks), as in
    the reference; a ``ValueError`` says so at the first step otherwise.

    Args:
        backbone (dict): Backbone config, e.g. ResNet-50 with
            ``zero_init_residual=False`` (torchvision's default, used by the
            reference).
        neck (dict): Neck config, ``MoCoV2Neck(2048, 2048, 128,
            with_avg_pool=True)`` for the paper (no BN in the MLP).
        head (dict): ``ContrastiveHead`` config: its ``loss_module``
            (cross-entropy) and ``temperature`` are used.
        queue_len (int): Number of negative keys K. Defaults to 65536.
        feat_dim (int): Dimension C of the normalised features. Defaults to
            128.
        momentum (float): mmengine EMA momentum, ``1 - m``: the weight of
            the query encoder in each update. Defaults to 0.001
            (paper: m = 0.999).
        shuffle_bn (bool): Shuffle the key batch across ranks under DDP.
            Defaults to True.
        data_preprocessor (dict, optional): Preprocessor config; None uses
            ``SelfSupDataPreprocessor``. Defaults to None.
        init_cfg (dict | list[dict], optional): Initialisation config.
            Defaults to None.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 queue_len: int = 65536,
                 feat_dim: int = 128,
                 momentum: float = 0.001,
                 shuffle_bn: bool = True,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
        if not 0.0 < momentum < 0.5:
            raise ValueError(
                f'MoCoV2: `momentum` is the weight of the query encoder in '
                f'the key-encoder update (mmengine convention, 1 - m), e.g. '
                f'0.001 for the paper\'s m = 0.999; got {momentum}.')
        if queue_len < 1 or feat_dim < 1:
            raise ValueError(f'MoCoV2: `queue_len` and `feat_dim` must be '
                             f'positive, got {queue_len} and {feat_dim}.')
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            queue_len=queue_len,
            feat_dim=feat_dim,
            momentum=momentum,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        for attr in ('loss_module', 'temperature'):
            if not hasattr(self.head, attr):
                raise TypeError(
                    f'MoCoV2 needs a ContrastiveHead-like head with '
                    f'`loss_module` and `temperature`, got '
                    f'{type(self.head).__name__}.')
        self.momentum = momentum
        self.shuffle_bn = shuffle_bn
        # Host mirror of `encoder_k.steps > 0`: reading the buffer itself
        # every step would be a device-to-host sync.
        self._momentum_started = False
        self._encoder_pairs: Optional[Tuple[list, ...]] = None

    def _load_from_state_dict(self, state_dict: dict, prefix: str,
                              local_metadata: dict, strict: bool,
                              missing_keys: list, unexpected_keys: list,
                              error_msgs: list) -> None:
        """Load as ``nn.Module`` does, then restore the host step flag."""
        super()._load_from_state_dict(state_dict, prefix, local_metadata,
                                      strict, missing_keys, unexpected_keys,
                                      error_msgs)
        steps = state_dict.get(prefix + 'encoder_k.steps')
        if isinstance(steps, torch.Tensor):
            # Once per load, not per step.
            self._momentum_started = bool(steps > 0)

    def _apply(self, fn, *args, **kwargs):
        """``nn.Module._apply`` (``.to()``, ``.cuda()``, ...), dropping the
        cached parameter lists in case a conversion replaced tensors."""
        self._encoder_pairs = None
        return super()._apply(fn, *args, **kwargs)

    def _pairs(self) -> Tuple[list, ...]:
        """Key/query parameter and buffer lists, in matching order (cached).

        ``encoder_k.module`` is a deep copy of ``Sequential(backbone, neck)``,
        so both walk the same names in the same order; checked once.
        """
        if self._encoder_pairs is None:
            key = self.encoder_k.module
            query = torch.nn.Sequential(self.backbone, self.neck)
            key_params = dict(key.named_parameters())
            query_params = dict(query.named_parameters())
            key_buffers = dict(key.named_buffers())
            query_buffers = dict(query.named_buffers())
            if (list(key_params) != list(query_params)
                    or list(key_buffers) != list(query_buffers)):
                raise RuntimeError(
                    'MoCoV2: the momentum encoder no longer mirrors '
                    'Sequential(backbone, neck) (different parameter or '
                    'buffer names); was a module replaced after building?')
            self._encoder_pairs = (list(key_params.values()),
                                   list(query_params.values()),
                                   list(key_buffers.values()),
                                   list(query_buffers.values()))
        return self._encoder_pairs

    @torch.no_grad()
    def momentum_update(self) -> None:
        r"""Update the key encoder: :math:`\theta_k \leftarrow m\theta_k +
        (1-m)\theta_q` on parameters, copy on buffers.

        The first update (``encoder_k.steps == 0``) copies
        :math:`\theta_q`, as mmengine's ``ExponentialMovingAverage`` does, so
        that a query encoder initialised or loaded after building is
        mirrored exactly.
        """
        key_params, query_params, key_buffers, query_buffers = self._pairs()
        if not self._momentum_started:
            torch._foreach_copy_(key_params, query_params)
        else:
            torch._foreach_lerp_(key_params, query_params, self.momentum)
        if key_buffers:
            torch._foreach_copy_(key_buffers, query_buffers)
        self.encoder_k.steps.add_(1)
        self._momentum_started = True

    @torch.no_grad()
    def _encode_keys(self, im_k: torch.Tensor) -> torch.Tensor:
        """Normalised keys ``(N, C)`` of this rank's views (shuffle-BN)."""
        world_size = get_world_size()
        if not self.shuffle_bn or world_size == 1:
            return F.normalize(self.encoder_k(im_k)[0], dim=1)
        batch = im_k.shape[0]
        images = torch.cat(all_gather(im_k), dim=0)  # (world * N, 3, H, W)
        perm = torch.randperm(images.shape[0], device=images.device)
        broadcast(perm, src=0)
        rank = get_rank()
        mine = perm.view(world_size, batch)[rank]
        keys = self.encoder_k(images.index_select(0, mine))[0]
        keys = F.normalize(keys, dim=1)  # (N, C), shuffled
        keys = torch.cat(all_gather(keys), dim=0)  # (world * N, C)
        restore = torch.argsort(perm).view(world_size, batch)[rank]
        return keys.index_select(0, restore)

    @torch.no_grad()
    def _dequeue_and_enqueue(self, keys: torch.Tensor) -> None:
        """Enqueue the keys of all ranks FIFO, without reading the pointer.

        Args:
            keys (torch.Tensor): ``(N, C)`` normalised keys of this rank.
        """
        keys = torch.cat(all_gather(keys), dim=0)  # (B, C), B = world * N
        batch = keys.shape[0]
        if self.queue_len % batch:
            raise ValueError(
                f'MoCoV2: queue_len ({self.queue_len}) must be a multiple '
                f'of the global batch size ({batch} = batch per GPU x '
                f'{get_world_size()} GPUs), as in the reference; change '
                f'model.queue_len or the batch size.')
        # The pointer is a multiple of B and K % B == 0: the slots never
        # wrap inside one write, as in the reference's slice assignment.
        slots = self.queue_ptr + torch.arange(batch, device=keys.device)
        self.queue.index_copy_(1, slots, keys.t().to(self.queue.dtype))
        self.queue_ptr.add_(batch).remainder_(self.queue_len)

    def loss(self, inputs: List[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """The MoCo-v2 loss of one batch; also updates the encoder and queue.

        Args:
            inputs (list[torch.Tensor]): Two views ``(N, 3, H, W)``; the
                first is the query, the second the key.
            data_samples (list[DataSample]): Unused.

        Returns:
            dict[str, torch.Tensor]: ``{'loss': ...}``.
        """
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                'MoCoV2 expects two views per sample (inputs = [query, key]), '
                'e.g. from MultiView with two pipelines; got '
                f'{type(inputs).__name__} of length {len(inputs)}.')
        im_q, im_k = inputs
        q = F.normalize(self.neck(self.backbone(im_q))[0], dim=1)  # (N, C)
        self.momentum_update()
        k = self._encode_keys(im_k)  # (N, C), no gradient
        l_pos = torch.einsum('nc,nc->n', [q, k]).unsqueeze(-1)  # (N, 1)
        # The clone keeps the autograd copy intact when the queue is
        # written below, before backward.
        l_neg = torch.einsum('nc,ck->nk', [q, self.queue.clone()])  # (N, K)
        logits = torch.cat((l_pos, l_neg), dim=1)  # (N, 1 + K)
        logits /= self.head.temperature
        labels = torch.zeros(
            logits.shape[0], dtype=torch.long, device=logits.device)
        loss = self.head.loss_module(logits, labels)
        self._dequeue_and_enqueue(k)
        return dict(loss=loss)

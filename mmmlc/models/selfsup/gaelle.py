"""GAELLE: SwAV with global context and local attention (and plain SwAV)."""
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmpretrain.models.selfsup import BaseSelfSupervisor
from mmpretrain.structures import DataSample

from mmmlc.registry import MODELS


@MODELS.register_module()
class GAELLE(BaseSelfSupervisor):
    r"""GAELLE self-supervised pretraining (Chen & Yeh, ICMR 2024).

    "Self-Supervised Multi-Label Classification with Global Context and
    Local Attention", doi 10.1145/3652583.3658026 (code:
    https://github.com/chunyen5927/GAELLE; its conventions:
    docs/reference/gaelle.md).
    One training step, in the reference's order (b images per rank, 2
    crops of 224 and 6 of 96 px, C = 2048, D = 128, G = 4, M = 32):

    1. L2-normalise the three prototype matrices (head);
    2. backbone once per resolution group: ``(2b, C, 7, 7)`` and
       ``(6b, C, 3, 3)``;
    3. neck (:class:`~mmmlc.models.necks.GAELLENeck`): global embeddings
       z ``(8b, D)`` of all crops, semantic attention slots of the two
       224 crops and their local embeddings z^l ``(2bM, D_l)``;
    4. head (:class:`~mmmlc.models.heads.GAELLEHead`): codes by
       Sinkhorn (with the feature queue once it is full), global swapped
       prediction, local swapped prediction, local -> global prediction,
       total :math:`(L_{glb} + L_{loc} + L_{l2g}) / 3`.

    The step reads nothing back from the device and loops over no batch,
    position or class. Hooks drive the schedule through two methods:
    :meth:`start_queue` (``FeatureQueueHook``) and
    :meth:`set_prototypes_frozen` (``PrototypeFreezeHook``). The queue is
    part of the state dict (``head.queue``), so a resumed run continues
    with it.

    **Plain SwAV** on the same pipeline (the baseline) is this model with
    the local branch off::

        neck=dict(type='GAELLENeck', ..., with_local=False),
        head=dict(type='GAELLEHead', ..., global_weight=1.0,
                  local_weight=0.0, l2g_weight=0.0)

    (SwAV's loss is :math:`L_{glb}` itself; the neck then builds no local
    head and the head no local prototypes.)

    Args:
        backbone (dict): e.g. ``ResNet(depth=50, out_indices=(3,),
            norm_cfg=dict(type='SyncBN'), zero_init_residual=False)``; the
            last output map is used.
        neck (dict): ``GAELLENeck`` config.
        head (dict): ``GAELLEHead`` config.
        data_preprocessor (dict, optional): None uses
            ``SelfSupDataPreprocessor``. Defaults to None.
        init_cfg (dict | list[dict], optional): Defaults to None.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[List[dict], dict]] = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        for module, attrs in ((self.neck, ('with_local', 'projection_head')),
                              (self.head, ('needs_local', 'num_crops',
                                           'start_queue'))):
            if not all(hasattr(module, attr) for attr in attrs):
                raise TypeError(
                    f'GAELLE needs a GAELLENeck and a GAELLEHead, got '
                    f'{type(self.neck).__name__} and '
                    f'{type(self.head).__name__}.')
        if self.neck.with_local != self.head.needs_local:
            raise ValueError(
                f'GAELLE: neck.with_local={self.neck.with_local} but the '
                f'head {"needs" if self.head.needs_local else "has no"} '
                f'local terms (local_weight={self.head.local_weight}, '
                f'l2g_weight={self.head.l2g_weight}); for plain SwAV set '
                f'with_local=False and both weights to 0.')
        neck_dim = self.neck.projection_head[-1].out_features
        if neck_dim != self.head.prototypes.in_features:
            raise ValueError(
                f'GAELLE: neck out_channels={neck_dim} but head '
                f'feat_dim={self.head.prototypes.in_features}.')

    def start_queue(self, queue_length: int,
                    batch_size: Optional[int] = None) -> None:
        """Start (or keep) the feature queue: see
        :meth:`GAELLEHead.start_queue`.

        Args:
            queue_length (int): Rows over all GPUs (reference 3840).
            batch_size (int, optional): Images per GPU, to check early
                that the length is a multiple of the global batch.
        """
        self.head.start_queue(queue_length, batch_size)

    def set_prototypes_frozen(self, frozen: bool) -> None:
        """Freeze or release the prototypes: see
        :meth:`GAELLEHead.set_prototypes_frozen`.

        Args:
            frozen (bool): True while iteration < the freeze length.
        """
        self.head.set_prototypes_frozen(frozen)

    def _resolution_groups(
            self, inputs: List[torch.Tensor]) -> List[Tuple[int, int]]:
        """``[start, end)`` crop ranges of equal size; checks the crops."""
        if not isinstance(inputs, (list, tuple)) or not inputs:
            raise ValueError('GAELLE expects a list of crop batches (from '
                             f'MultiView), got {type(inputs).__name__}.')
        groups, start = [], 0
        for end in range(1, len(inputs) + 1):
            if (end == len(inputs)
                    or inputs[end].shape[-2:] != inputs[start].shape[-2:]):
                groups.append((start, end))
                start = end
        sizes = [end - start for start, end in groups]
        if sizes != self.head.num_crops:
            shapes = [tuple(x.shape[-2:]) for x in inputs]
            raise ValueError(
                f'GAELLE: the pipeline gives {len(inputs)} crops in '
                f'resolution groups {sizes} (sizes {shapes}), but the head '
                f'expects num_crops={self.head.num_crops} with '
                f'crops_for_assign={self.head.crops_for_assign}; make the '
                f'multi-crop pipeline and head.num_crops agree.')
        return groups

    def loss(self, inputs: List[torch.Tensor], data_samples: List[DataSample],
             **kwargs) -> Dict[str, torch.Tensor]:
        """The GAELLE (or SwAV) loss of one multi-crop batch.

        Args:
            inputs (list[torch.Tensor]): V crop batches ``(b, 3, H_v,
                W_v)``, grouped by size, large crops first.
            data_samples (list[DataSample]): Unused (no labels).

        Returns:
            dict[str, torch.Tensor]: ``loss`` and the logged terms
            ``glb``, ``alg``, ``l2g``.
        """
        groups = self._resolution_groups(inputs)
        batch_size = inputs[0].shape[0]
        self.head.normalize_prototypes()
        feats = [
            self.backbone(torch.cat(inputs[start:end]))[-1]
            for start, end in groups
        ]  # [(2b, C, 7, 7), (6b, C, 3, 3)]
        z, z_local = self.neck(feats, batch_size)  # (8b, D), (2bM, D_l)
        return self.head.loss(z, z_local, batch_size)

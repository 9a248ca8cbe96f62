"""OASS stage 1: the object-aware CAM classifier (and its ablation rows)."""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.structures import DataSample

from mmmlc.registry import MODELS
from ..utils import multi_hot_targets
from ..utils.cam_components import component_boxes, normalize_cams
from ..utils.multiscale_cams import multiscale_cam_options
from ..utils.oa_tiling import (cut_candidates, masked_gap, merge_tiles,
                               multilabel_soft_margin, padded_tile_maps,
                               reconstruction_loss, region_mask, select_cuts,
                               tile_regions, tile_targets)
from ..utils.rotation_pretext import rotated_box_crops
from ..utils.separated_tiles import (TileIsolation, check_isolatable,
                                     drop_gap, gap_canvas, gap_regions)
from .multiscale_cam_predict import MultiScaleCAMMixin

AUX_TASKS = ('none', 'tiles', 'rotation')
TILINGS = ('grid', 'object_aware')
TILE_CANVASES = ('separated', 'by_size', 'largest')


@MODELS.register_module()
class OASSClassifier(MultiScaleCAMMixin, ImageClassifier):
    r"""OASS's CAM classifier with object-aware tiling (a reconstruction).

    Xu et al., "Object-Aware Self-supervised Multi-Label Learning", ICIP
    2022 (arXiv 2205.07028). The paper's method section is not public;
    this is the reading of docs/reference/oass.md: a Puzzle-CAM classifier
    whose puzzle tiles follow the objects the CAMs currently find. One
    training step, in order (B images, C classes, crop H x W, grid
    h x w = H/16 x W/16):

    1. backbone + :class:`CAMHead` on the full crop: class maps M
       ``(B, C, h, w)``, logits GAP(M) ``(B, C)``,
       :math:`L_{cls} = \ell_{ML}(z, y)`;
    2. online object locations from M detached: normalised CAMs of the
       positive classes, threshold ``loc_thr``, 4-connected components of
       at least ``min_size`` cells, tight boxes ``(B, C, S, 4)`` (none
       during the first ``warmup`` share of iterations);
    3. cuts ``k_x, k_y`` per image (``tiling='object_aware'``: the
       candidate in ``[w/4, 3w/4]`` slicing the least box area, closest to
       the centre; ``'grid'``: the centre), four tiles TL, TR, BL, BR;
    4. the tiles through the same network, each as if alone
       (``tile_canvas='separated'``: in place on one canvas per image,
       ``tile_gap`` cells apart, the gap zeroed at every spatial layer;
       ``'by_size'``/``'largest'``: cropped into zero-padded canvases),
       their maps stitched into M~ ``(B, C, h, w)``;
    5. :math:`L_{pcls} = \ell_{ML}(\mathrm{GAP}(\tilde M), y)`,
       :math:`L_{re} = \frac1{BChw}\sum y\,|M - \tilde M|` with weight
       :math:`\alpha(t) = \alpha_{max}\min(1, t / (r T))`, and
       :math:`L_{tile}`, the BCE of each tile's GAP over its valid cells
       against pseudo-targets from the boxes (1: a box of the class has
       >= ``tile_rho`` of its area in the tile; 0: negative class, or no
       foreground cell there; else ignored), weight
       :math:`\beta`.

    Total: :math:`L_{cls} + L_{pcls} + \alpha(t) L_{re} + \beta L_{tile}`.
    Nothing is read back to the host and nothing loops over images or
    boxes. The iteration comes from :meth:`set_progress`, called by
    ``OASSProgressHook`` before each step.

    The ablation rows are settings of this class: (1) plain CAM
    classifier ``aux='none'``; (2) Puzzle-CAM ``aux='tiles',
    tiling='grid', tile_weight=0``; (3) OA-tiling ``aux='tiles',
    tiling='object_aware', tile_weight=0``; (4) full OASS (the default).
    ``aux='rotation'`` is the fallback pretext task: the top-scoring box
    of each image (pixels, at least ``rotation_min_px`` a side, clipped to
    the crop) is resampled to ``rotation_size``, rotated by a random
    multiple of 90 degrees, and a 4-way linear head on the pooled
    backbone feature predicts the rotation (cross-entropy, weight
    ``rotation_weight``; images without a box count 0).

    Args:
        backbone (dict): A stride-16 backbone, e.g. mmpretrain ResNet with
            ``strides=(1, 2, 2, 1), out_indices=(3,)``.
        head (dict): A :class:`CAMHead` config.
        aux (str): ``'none'``, ``'tiles'`` or ``'rotation'``. Defaults to
            ``'tiles'``.
        tiling (str): ``'object_aware'`` or ``'grid'``. Defaults to
            ``'object_aware'``.
        re_weight (float): :math:`\alpha_{max}`. Defaults to 4.
        re_ramp (float): Share r of the run over which :math:`\alpha`
            ramps up linearly. Defaults to 0.5.
        tile_weight (float): :math:`\beta`. Defaults to 1.
        tile_rho (float): :math:`\rho`. Defaults to 0.5.
        loc_thr (float): :math:`\tau_{loc}`. Defaults to 0.2.
        min_size (int): Smallest component kept, in cells. Defaults to 2.
        warmup (float): Share of the run without object locations.
            Defaults to 0.2.
        stride (int): Output stride of the backbone. Defaults to 16.
        cc_iters (int, optional): Rounds of the connected-components
            propagation; None uses ``h + w``.
        tile_canvas (str): How object-aware tiles are batched.
            ``'separated'``: one pass of B canvases of ``(h + tile_gap)
            x (w + tile_gap)`` cells, the four tiles in place with a
            zeroed gap between them at the input of every convolution
            and pooling layer (``mmmlc/models/utils/separated_tiles.py``):
            each tile's maps equal those of the tile alone (eval mode),
            about 1.06x the crop area at 512 px. Needs a CNN backbone
            without global pooling or gradient checkpointing.
            ``'by_size'``: four passes, one per size rank of
            :func:`size_rank_canvases` (taller/shorter row x wider/narrower
            column), each on a canvas just large enough for that rank:
            about 1.56x the crop area in all. ``'largest'``: one pass of
            all 4B tiles on canvases of the largest tile OA-tiling allows
            (2.25x the crop area; BatchNorm statistics over all tiles at
            once). Defaults to ``'separated'``.
        tile_gap (int): The gap of ``'separated'`` in cells: at least the
            reach of the widest spatial layer at the output stride (1 for
            ResNet at stride 16 without dilation; checked at the first
            step). Defaults to 1.
        cut_margin (float): Cut candidates lie in ``[m w, (1 - m) w]``.
            Defaults to 0.25, the reconstruction's rule
            (docs/reference/oass.md). A larger margin (e.g. 0.375) is a
            change of the method, not of its speed only: more central cuts,
            smaller largest tiles (5/8 of a side), a cheaper tile pass.
        rotation_weight (float): Defaults to 0.5.
        rotation_size (int): Defaults to 224.
        rotation_min_px (int): Defaults to 64.
        multiscale_cam (dict, optional): Switches :meth:`predict` to the
            offline multi-scale CAMs (:meth:`predict_multiscale_cams`;
            options of ``multiscale_cam_options`` in
            ``mmmlc/models/utils/multiscale_cams.py``).
            ``tools/oass/make_cams.py`` sets it. Defaults to None.
        neck (dict, optional): Defaults to None (the head needs the map).
        data_preprocessor (dict, optional): Needs ``num_classes`` and
            ``to_onehot=True`` so that labels reach the step on the device.
        init_cfg (dict, optional): Defaults to None.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 aux: str = 'tiles',
                 tiling: str = 'object_aware',
                 re_weight: float = 4.0,
                 re_ramp: float = 0.5,
                 tile_weight: float = 1.0,
                 tile_rho: float = 0.5,
                 loc_thr: float = 0.2,
                 min_size: int = 2,
                 warmup: float = 0.2,
                 stride: int = 16,
                 cc_iters: Optional[int] = None,
                 tile_canvas: str = 'separated',
                 tile_gap: int = 1,
                 cut_margin: float = 0.25,
                 rotation_weight: float = 0.5,
                 rotation_size: int = 224,
                 rotation_min_px: int = 64,
                 multiscale_cam: Optional[dict] = None,
                 neck: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if aux not in AUX_TASKS or tiling not in TILINGS:
            raise ValueError(f'OASSClassifier: aux must be one of '
                             f'{AUX_TASKS} (got {aux!r}) and tiling one of '
                             f'{TILINGS} (got {tiling!r}).')
        if tile_canvas not in TILE_CANVASES:
            raise ValueError(f'OASSClassifier: tile_canvas must be one of '
                             f'{TILE_CANVASES}, got {tile_canvas!r}.')
        if not (0 <= warmup <= 1 and 0 < re_ramp <= 1 and 0 < tile_rho <= 1):
            raise ValueError(
                f'OASSClassifier: warmup ({warmup}) must be in [0, 1], '
                f're_ramp ({re_ramp}) and tile_rho ({tile_rho}) in (0, 1].')
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        if not callable(getattr(self.head, 'class_maps', None)):
            raise TypeError('OASSClassifier needs a head with class_maps() '
                            f'(CAMHead), got {type(self.head).__name__}.')
        self.aux = aux
        self.tiling = tiling
        self.re_weight = re_weight
        self.re_ramp = re_ramp
        self.tile_weight = tile_weight
        self.tile_rho = tile_rho
        self.loc_thr = loc_thr
        self.min_size = min_size
        self.warmup = warmup
        self.stride = stride
        self.cc_iters = cc_iters
        self.tile_canvas = tile_canvas
        self.tile_gap = int(tile_gap)
        if self._separated:
            if self.tile_gap < 1:
                raise ValueError('OASSClassifier: tile_gap must be >= 1 '
                                 f'cell, got {tile_gap}.')
            check_isolatable(self._tile_networks, 'OASSClassifier')
        self.cut_margin = cut_margin
        cut_candidates(8, cut_margin)  # a bad margin fails here, not later
        self.rotation_weight = rotation_weight
        self.rotation_size = rotation_size
        self.rotation_min_px = rotation_min_px
        if aux == 'rotation':
            self.rotation_head = nn.Linear(self.head.in_channels, 4)
        self._iter, self._max_iters = 0, 1
        self.multiscale_cam = multiscale_cam_options(multiscale_cam)

    @property
    def _separated(self) -> bool:
        return (self.aux == 'tiles' and self.tiling == 'object_aware'
                and self.tile_canvas == 'separated')

    @property
    def _tile_networks(self) -> List[nn.Module]:
        return [self.backbone] + ([self.neck] if self.with_neck else [])

    def set_progress(self, iteration: int, max_iters: int) -> None:
        """Tell the model where training is (``OASSProgressHook``).

        Args:
            iteration (int): Current iteration, 0-based.
            max_iters (int): Iterations of the whole run (T).
        """
        if max_iters <= 0 or iteration < 0:
            raise ValueError(f'set_progress: iteration ({iteration}) must '
                             f'be >= 0 and max_iters ({max_iters}) > 0.')
        self._iter, self._max_iters = int(iteration), int(max_iters)

    @property
    def re_alpha(self) -> float:
        r""":math:`\alpha(t) = \alpha_{max}\min(1, t / (r T))`."""
        ramp = self.re_ramp * self._max_iters
        return self.re_weight * min(1.0, self._iter / ramp)

    @property
    def locating(self) -> bool:
        """Whether the warm-up is over (object locations are used)."""
        return self._iter >= self.warmup * self._max_iters

    def object_locations(
            self, class_maps: torch.Tensor, labels: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Boxes of the positive classes' CAM components.

        Args:
            class_maps (torch.Tensor): Detached ``(B, C, h, w)``.
            labels (torch.Tensor): Multi-hot ``(B, C)``.

        Returns:
            tuple[torch.Tensor]: ``boxes`` ``(B, C, S, 4)`` in cells,
            ``scores`` and ``valid`` ``(B, C, S)``, and the foreground
            masks ``(B, C, h, w)``; with ``S = h * w + 1`` slots. During
            the warm-up no slot is valid.
        """
        b, c, h, w = class_maps.shape
        cams = normalize_cams(class_maps)
        foreground = (cams >= self.loc_thr) & labels.bool()[:, :, None, None]
        if not self.locating:
            # No foreground, so no component: what component_boxes gives
            # for an empty mask, without its propagation rounds.
            slots = h * w + 1
            boxes = cams.new_zeros((b, c, slots, 4), dtype=torch.long)
            valid = torch.zeros_like(boxes[..., 0], dtype=torch.bool)
            return (boxes, cams.new_zeros((b, c, slots), dtype=torch.float),
                    valid, torch.zeros_like(foreground))
        boxes, scores, valid = component_boxes(
            cams.view(b * c, h, w), foreground.view(b * c, h, w),
            self.min_size, self.cc_iters)
        return (boxes.view(b, c, -1, 4), scores.view(b, c, -1),
                valid.view(b, c, -1), foreground)

    def _cuts(self, boxes: torch.Tensor, valid: torch.Tensor, h: int,
              w: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(k_x, k_y)`` per image, ``(B,)`` each."""
        b = boxes.shape[0]
        if self.tiling == 'grid':
            centre = torch.zeros(b, dtype=torch.long, device=boxes.device)
            return centre + w // 2, centre + h // 2
        flat = boxes.flatten(1, 2)  # (B, C*S, 4)
        x0, y0, x1, y1 = flat.unbind(-1)
        area = (x1 - x0) * (y1 - y0) * valid.flatten(1)
        return (select_cuts(x0, x1, area, w, margin=self.cut_margin),
                select_cuts(y0, y1, area, h, margin=self.cut_margin))

    def _tile_outputs(self, inputs: torch.Tensor, regions: torch.Tensor,
                      cut_x: torch.Tensor, cut_y: torch.Tensor, h: int,
                      w: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """Merged tile maps M~ ``(B, C, h, w)`` and tile logits
        ``(B, 4, C)`` (GAP over each tile's own cells)."""
        if self._separated:
            g = self.tile_gap
            canvas, in_gap = gap_canvas(inputs, cut_x, cut_y, g, self.stride)
            with TileIsolation(self._tile_networks, in_gap, g * self.stride):
                feats = self.extract_feat(canvas)
            maps = self.head.class_maps(feats)  # (B, C, h + g, w + g)
            cells = region_mask(gap_regions(regions, g), h + g, w + g)
            tiles = [maps] * 4
        else:
            canvas = 'grid' if self.tiling == 'grid' else self.tile_canvas
            tiles, p_h, p_w = padded_tile_maps(
                lambda x: self.head.class_maps(self.extract_feat(x)), inputs,
                regions, cut_x, cut_y, self.stride, canvas, self.cut_margin)
            maps = merge_tiles(tiles, regions, h, w)
            sizes = regions[..., 2:] - regions[..., :2]  # (B, 4, 2)
            local = torch.cat([torch.zeros_like(sizes), sizes], -1)
            cells = region_mask(local, p_h, p_w)  # (B, 4, p_h, p_w)
        logits = torch.stack(
            [masked_gap(tiles[k], cells[:, k]) for k in range(4)], 1)
        if self._separated:
            maps = drop_gap(maps, cut_x, cut_y, self.tile_gap)
        return maps, logits

    def _rotation_loss(self, inputs: torch.Tensor, boxes: torch.Tensor,
                       scores: torch.Tensor,
                       valid: torch.Tensor) -> torch.Tensor:
        """Rotation prediction on each image's top-scoring CAM box."""
        crops, turns, has_box = rotated_box_crops(
            inputs, boxes, scores, valid, self.stride, self.rotation_size,
            self.rotation_min_px)
        pooled = self.extract_feat(crops)[-1].mean((2, 3))
        loss = F.cross_entropy(
            self.rotation_head(pooled), turns, reduction='none')
        weight = has_box.to(loss.dtype)
        return (loss * weight).sum() / weight.sum().clamp(min=1)

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> dict:
        """The OASS losses of one batch (see the class docstring).

        Args:
            inputs (torch.Tensor): Crops ``(B, 3, H, W)``, H and W
                multiples of ``stride``.
            data_samples (list[DataSample]): With ``gt_score``.

        Returns:
            dict[str, torch.Tensor]: ``loss_cls`` and, by variant,
            ``loss_pcls``, ``loss_re``, ``loss_tile``, ``loss_rot``.
        """
        labels = multi_hot_targets(data_samples, self.head.num_classes)
        class_maps = self.head.class_maps(self.extract_feat(inputs))
        b, c, h, w = class_maps.shape  # (B, C, h, w)
        if inputs.shape[-2:] != (h * self.stride, w * self.stride):
            raise ValueError(
                f'OASSClassifier: input {tuple(inputs.shape[-2:])} gives a '
                f'{h} x {w} map, not stride {self.stride}; crop sizes must '
                f'be multiples of {self.stride} and the backbone stride '
                f'{self.stride} (ResNet strides=(1, 2, 2, 1)).')
        losses = dict(
            loss_cls=multilabel_soft_margin(class_maps.mean((2, 3)), labels))
        if self.aux == 'none':
            return losses

        boxes, scores, valid, foreground = self.object_locations(
            class_maps.detach(), labels)
        if self.aux == 'rotation':
            losses['loss_rot'] = self.rotation_weight * self._rotation_loss(
                inputs, boxes, scores, valid)
            return losses

        cut_x, cut_y = self._cuts(boxes, valid, h, w)
        regions = tile_regions(cut_x, cut_y, h, w)  # (B, 4, 4) cells
        merged, tile_logits = self._tile_outputs(inputs, regions, cut_x,
                                                 cut_y, h, w)
        losses['loss_pcls'] = multilabel_soft_margin(
            merged.mean((2, 3)), labels)
        losses['loss_re'] = self.re_alpha * reconstruction_loss(
            class_maps, merged, labels)
        if self.tile_weight > 0:
            targets, weights = tile_targets(labels, boxes, valid,
                                            foreground, regions,
                                            self.tile_rho)
            if not self.locating:
                # No locations yet: only the negatives carry a target.
                weights = (1 - labels)[:, None].expand_as(targets)
            losses['loss_tile'] = self.tile_weight * multilabel_soft_margin(
                tile_logits, targets, weights)
        return losses

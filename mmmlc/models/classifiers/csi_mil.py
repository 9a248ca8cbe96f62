"""OASS stage 5: CSI-guided multi-instance training and fused inference."""
import os.path as osp
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmpretrain.models.classifiers import ImageClassifier
from mmpretrain.structures import DataSample
from torchvision.ops import roi_align

from mmmlc.registry import MODELS
from ..utils import multi_hot_targets
from ..utils.csi_mil import FUSIONS, csi_losses, fuse_scores


@MODELS.register_module()
class CSIMILClassifier(ImageClassifier):
    r"""Multi-label training with class-specific instances (OASS stage 5).

    Xu et al., "Object-Aware Self-supervised Multi-Label Learning", ICIP
    2022 (arXiv 2205.07028): the abstract's class-specific instances
    (CSI) "guide multi-label supervision signal transfer to instances".
    Our reconstruction (docs/reference/oass.md, "Class-specific instances
    and MIL training"): the network is stage 1's (backbone +
    :class:`CAMHead`), initialised from the stage-1 checkpoint. A bag is an
    image with its CSI, the crops inside the CAM boxes of its classes
    (``CSIDataset``). Training loss, B images and N instances (all bags
    flattened, ``bag_index`` ``(N,)``, class ``instance_labels`` ``(N,)``):

    .. math:: L = L_{img} + \lambda_{inst} L_{inst} + \lambda_{mil} L_{mil}

    with the image's multi-label soft margin, the class-masked instance
    BCE (own class 1, the image's negatives 0, its other positives
    ignored) and the BCE of the bag's per-class max score
    (:func:`~mmmlc.models.utils.csi_mil.csi_losses`). Two forwards per
    step: the images, and all instances in one batch.

    Inference: one forward of the image gives the logits and the class
    maps; ``fusion='global'`` scores the image alone. Otherwise the CAMs
    of the same pass, upsampled to the input, give boxes for the classes
    ``K = {j: sigma(z_j) >= keep_thr} U {argmax z}`` (``cam_boxes``); the
    boxes are cut out of the input with ``roi_align`` (``aligned=True``)
    at ``instance_size``, scored in one batched forward and fused
    (:func:`~mmmlc.models.utils.csi_mil.fuse_scores`). Selecting the valid
    boxes reads their count back to the host once per test batch.

    Args:
        backbone (dict): As stage 1 (stride-16 ResNet).
        head (dict): A :class:`CAMHead` config.
        fusion (str): ``'global'``, ``'max'`` or ``'mean'``. Defaults to
            ``'max'``.
        inst_weight (float): :math:`\lambda_{inst}`. Defaults to 1.
        mil_weight (float): :math:`\lambda_{mil}`. Defaults to 1.
        instance_size (int): Side of the test-time crops (the training
            crops' size comes from the instance pipeline). Defaults to 224.
        keep_thr (float): Score threshold of the test-time class set K.
            Defaults to 0.5.
        box_cfg (dict, optional): Keyword arguments of ``cam_boxes``
            (``thr``, ``min_area``, ``top_k``, ``margin``, ``nms_iou``,
            ``cc_iters``). Defaults to its defaults.
        neck (dict, optional): Defaults to None (the head needs the map).
        data_preprocessor (dict, optional): Defaults to
            :class:`CSIDataPreprocessor`; needs ``num_classes`` and
            ``to_onehot=True``.
        init_cfg (dict, optional): ``dict(type='Pretrained',
            checkpoint=<stage-1 checkpoint>)``; a missing file raises in
            :meth:`init_weights`, before training.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 fusion: str = 'max',
                 inst_weight: float = 1.0,
                 mil_weight: float = 1.0,
                 instance_size: int = 224,
                 keep_thr: float = 0.5,
                 box_cfg: Optional[dict] = None,
                 neck: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if fusion not in FUSIONS:
            raise ValueError(f'CSIMILClassifier: fusion must be one of '
                             f'{FUSIONS}, got {fusion!r}.')
        if instance_size < 1 or not 0 < keep_thr < 1:
            raise ValueError(
                f'CSIMILClassifier: instance_size ({instance_size}) must be '
                f'>= 1 and keep_thr ({keep_thr}) in (0, 1).')
        data_preprocessor = dict(data_preprocessor or {})
        data_preprocessor.setdefault('type', 'CSIDataPreprocessor')
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        if not callable(getattr(self.head, 'class_maps', None)):
            raise TypeError('CSIMILClassifier needs a head with class_maps() '
                            f'(CAMHead), got {type(self.head).__name__}.')
        self.fusion = fusion
        self.inst_weight = inst_weight
        self.mil_weight = mil_weight
        self.instance_size = instance_size
        self.keep_thr = keep_thr
        self.box_cfg = dict(box_cfg or {})

    def init_weights(self) -> None:
        """Check that the stage-1 checkpoint exists, then initialise."""
        cfgs = self.init_cfg if isinstance(self.init_cfg, list) else [
            self.init_cfg
        ]
        for cfg in cfgs:
            if not cfg or cfg.get('type') != 'Pretrained':
                continue
            path = str(cfg.get('checkpoint'))
            if '://' not in path and not osp.isfile(path):
                raise FileNotFoundError(
                    f'CSIMILClassifier: the stage-1 checkpoint {path!r} '
                    "(model.init_cfg.checkpoint) does not exist. Train stage "
                    '1 first (configs/oass/README.md, "Stage 5") or point '
                    'the config variable stage1_checkpoint at it.')
        super().init_weights()

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor',
                instances: Optional[torch.Tensor] = None,
                bag_index: Optional[torch.Tensor] = None,
                instance_labels: Optional[torch.Tensor] = None):
        """``'loss'`` needs the instances; ``'tensor'`` and ``'predict'``
        use the images only (test-time instances are built online).

        Args:
            inputs (torch.Tensor): Images ``(B, 3, H, W)``.
            data_samples (list[DataSample], optional): The batch's samples.
            mode (str): ``'tensor'``, ``'loss'`` or ``'predict'``.
            instances (torch.Tensor, optional): ``(N, 3, h, w)``.
            bag_index (torch.Tensor, optional): ``(N,)``.
            instance_labels (torch.Tensor, optional): ``(N,)``.
        """
        if mode == 'loss':
            if instances is None or bag_index is None or \
                    instance_labels is None:
                raise ValueError(
                    "CSIMILClassifier: mode='loss' needs instances, "
                    'bag_index and instance_labels (train with CSIDataset, '
                    "collate_fn=dict(type='csi_collate') and "
                    'CSIDataPreprocessor).')
            return self.loss(inputs, data_samples, instances, bag_index,
                             instance_labels)
        return super().forward(inputs, data_samples, mode)

    def loss(self, inputs: torch.Tensor, data_samples: List[DataSample],
             instances: torch.Tensor, bag_index: torch.Tensor,
             instance_labels: torch.Tensor) -> dict:
        """``loss_img``, ``loss_inst`` and ``loss_mil`` (weighted).

        Args:
            inputs (torch.Tensor): Images ``(B, 3, H, W)``.
            data_samples (list[DataSample]): With ``gt_score``.
            instances (torch.Tensor): ``(N, 3, h, w)``, N may be 0.
            bag_index (torch.Tensor): ``(N,)`` in ``[0, B)``.
            instance_labels (torch.Tensor): ``(N,)`` in ``[0, C)``.

        Returns:
            dict[str, torch.Tensor]: The three weighted losses.
        """
        labels = multi_hot_targets(data_samples, self.head.num_classes)
        image_logits = self.head(self.extract_feat(inputs))
        if instances.shape[0] > 0:
            instance_logits = self.head(self.extract_feat(instances))
        else:  # no instance in the batch: L_inst = 0, L_mil on the images
            instance_logits = image_logits.new_zeros(0, labels.shape[1])
        losses = csi_losses(image_logits, instance_logits, labels, bag_index,
                            instance_labels)
        losses['loss_inst'] = self.inst_weight * losses['loss_inst']
        losses['loss_mil'] = self.mil_weight * losses['loss_mil']
        return losses

    def test_instances(
        self, inputs: torch.Tensor, class_maps: torch.Tensor,
        logits: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """CSI of the test images from their own forward pass.

        Args:
            inputs (torch.Tensor): Normalised images ``(B, 3, H, W)``.
            class_maps (torch.Tensor): ``(B, C, h, w)`` of the same pass.
            logits (torch.Tensor): ``(B, C)``.

        Returns:
            tuple[torch.Tensor]: ``crops`` ``(N, 3, s, s)``, ``bag_index``
            and ``instance_labels`` ``(N,)``, ``boxes`` ``(N, 4)`` (input
            pixels, xyxy).
        """
        from ..utils.cam_boxes import cam_boxes
        b, c = logits.shape
        cams = self.head.get_cams(class_maps, size=inputs.shape[-2:])
        keep = logits.sigmoid() >= self.keep_thr
        keep = keep | F.one_hot(logits.argmax(1), c).bool()
        boxes, _, valid = cam_boxes(cams, keep, **self.box_cfg)
        k = valid.shape[-1]
        image = torch.arange(b, device=inputs.device)[:, None, None]
        label = torch.arange(c, device=inputs.device)[None, :, None]
        bag_index = image.expand(b, c, k)[valid]
        instance_labels = label.expand(b, c, k)[valid]
        boxes = boxes[valid].to(inputs.dtype)
        rois = torch.cat([bag_index[:, None].to(inputs.dtype), boxes], 1)
        crops = roi_align(inputs, rois, self.instance_size, spatial_scale=1.,
                          sampling_ratio=-1, aligned=True)
        return crops, bag_index, instance_labels, boxes

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        """Fused scores (``fusion``) and labels of the images.

        Args:
            inputs (torch.Tensor): Normalised images ``(B, 3, H, W)``.
            data_samples (list[DataSample], optional): Samples to fill.

        Returns:
            list[DataSample]: With ``pred_score``, ``pred_label`` and, for
            ``'max'`` / ``'mean'``, ``csi_boxes`` ``(n, 4)`` and
            ``csi_labels`` ``(n,)`` of the image's test-time instances.
        """
        class_maps = self.head.class_maps(self.extract_feat(inputs))
        logits = class_maps.mean((2, 3))
        b = logits.shape[0]
        if data_samples is None:
            data_samples = [DataSample() for _ in range(b)]
        if self.fusion == 'global':
            scores = fuse_scores(logits, logits[:0], logits.new_zeros(0),
                                 logits.new_zeros(0), 'global')
        else:
            crops, bag_index, instance_labels, boxes = self.test_instances(
                inputs, class_maps, logits)
            instance_logits = self.head(self.extract_feat(crops)) \
                if len(crops) else logits[:0]
            scores = fuse_scores(logits, instance_logits, bag_index,
                                 instance_labels, self.fusion)
            counts = torch.bincount(bag_index, minlength=b).tolist()
            for sample, own_boxes, own_labels in zip(
                    data_samples, boxes.split(counts),
                    instance_labels.split(counts)):
                sample.set_field(own_boxes, 'csi_boxes', field_type='metainfo')
                sample.set_field(own_labels, 'csi_labels',
                                 field_type='metainfo')
        thr, topk = self.head.thr, self.head.topk
        for sample, score in zip(data_samples, scores):
            if thr is not None:
                label = torch.where(score >= thr)[0]
            else:
                label = score.topk(topk)[1]
            sample.set_pred_score(score).set_pred_label(label)
        return data_samples

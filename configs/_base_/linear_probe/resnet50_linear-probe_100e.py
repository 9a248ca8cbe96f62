# Linear-probe protocol for self-supervised backbones (Object-aware cropping,
# main_lincls.py; docs/reference/object_aware_cropping.md (Linear-probe
# protocol)), usable by
# every self-supervised method of mmmlc:
# - ResNet-50 loaded from a pretraining checkpoint's `backbone.` weights and
#   frozen, BN in eval mode (frozen_stages=4, norm_eval=True);
# - global average pooling + multi-label linear head, fc ~ N(0, 0.01), bias 0;
# - BCE with logits averaged over batch x classes, as the reference's
#   nn.BCEWithLogitsLoss(): mmpretrain's multi-label head sums over classes
#   and divides by the batch, so loss_weight = 1 / num_classes. With plain
#   SGD this factor is the effective lr: the dataset config MUST set
#   loss_weight=1.0 / num_classes with num_classes;
# - SGD lr 30, momentum 0.9, wd 0, x0.1 at 60 / 80, 100 epochs, batch 256;
# - train RandomResizedCrop(224, scale 0.08-1) + horizontal flip, test
#   Resize(256, short side) + CenterCrop(224), PIL bilinear as torchvision;
# - mAP on the whole test set (MLCMetric, primary) and the reference's
#   batch-averaged "ref-batch-mAP(256)" (BatchMeanAP) for the paper.
#
# A dataset config inherits [its dataset _base_, this file] and sets
#   train_dataloader with pipeline={{_base_.probe_train_pipeline}},
#   val/test_dataloader with pipeline={{_base_.probe_test_pipeline}},
#   val_evaluator = {{_base_.probe_evaluator}}, num_classes as above.
# The checkpoint: `pretrained` in the config, or on the command line
#   --cfg-options model.backbone.init_cfg.checkpoint=PATH
# PretrainedCheckHook stops the run before training if PATH is missing, has
# no `backbone.` keys or does not match the backbone, and after every epoch
# if the backbone changed.
_base_ = [
    '../schedules/sgd_steplr_100e_linear-probe.py',
    '../default_runtime.py',
]
pretrained = None
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch',
        frozen_stages=4,
        norm_eval=True,
        zero_init_residual=False,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='MultiLabelLinearClsHead',
        in_channels=2048,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01, bias=0.0)),
)
custom_hooks = [dict(type='PretrainedCheckHook', module='backbone')]
# A random-init reference probe (the floor pretraining must beat) sets
#   pretrained = None
#   model = dict(backbone=dict(init_cfg={{_base_.random_init_cfg}}))
#   custom_hooks = []   # nothing loaded, nothing for the check to check
# random_init_cfg: mmpretrain ResNet's own init, as at the start of
# pretraining (seeded by the config's seed).
random_init_cfg = [
    dict(type='Kaiming', layer=['Conv2d']),
    dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
]
# No best-checkpoint selection: the test set is the only held-out split.
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=2, save_best=None))

# gt_label_difficult: MLCMetric ignores VOC's difficult-only classes.
probe_meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor', 'flip', 'flip_direction',
                   'gt_label_difficult')
# Images as stored, without EXIF rotation: PIL's Image.open, as the
# reference reads them.
probe_train_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(
        type='RandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.08, 1.0),
        backend='pillow',
        interpolation='bilinear'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs', meta_keys=probe_meta_keys),
]
probe_test_pipeline = [
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(
        type='ResizeEdge',
        scale=256,
        edge='short',
        backend='pillow',
        interpolation='bilinear'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs', meta_keys=probe_meta_keys),
]
probe_evaluator = [
    dict(type='MLCMetric'),
    dict(type='BatchMeanAP', batch_size=256),
]

# Multi-label linear-probe protocol of GAELLE (its evaluation code is
# SS-PRL's; docs/reference/gaelle.md, "Linear probe"), for GAELLE and SwAV
# backbones. Built on the common probe (resnet50_linear-probe_100e.py:
# ResNet-50 loaded from a checkpoint's `backbone.` weights and frozen with
# BN in eval mode, global average pooling, multi-label linear head, the
# probe pipelines, PretrainedCheckHook), with this protocol's differences:
# - SwAV's normalisation (std[0] = 0.228);
# - Linear(2048, C) ~ N(0, 0.01) with bias 0.1;
# - BCE with logits summed over classes and divided by the batch
#   (mmpretrain's multi-label head with loss_weight 1);
# - SGD lr 0.1 (COCO, batch 128), momentum 0.9, no Nesterov, wd 1e-6,
#   gradient norm clipped to 10, cosine per EPOCH to 0 over 100 epochs;
# - mAP on the test split after every epoch; the reference reports the best
#   epoch (picked on the test set), so the best checkpoint is kept beside
#   the last: report both. Seed 777, one process.
# A dataset config inherits [its dataset _base_, this file] and sets
# num_classes (data_preprocessor and head), the checkpoint
# (model.backbone.init_cfg.checkpoint), its batch and lr, and
# pipeline={{_base_.probe_train_pipeline}} / {{_base_.probe_test_pipeline}}.
_base_ = ['./resnet50_linear-probe_100e.py']
max_epochs = 100
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.14, 57.12, 57.375]),
    head=dict(
        loss=dict(loss_weight=1.0),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01, bias=0.1)))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-6),
    clip_grad=dict(max_norm=10.0))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        eta_min=0.0,
        by_epoch=True,
        begin=0,
        end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
default_hooks = dict(
    checkpoint=dict(
        interval=10,
        max_keep_ckpts=1,
        save_best='multi-label/mAP',
        rule='greater'))
auto_scale_lr = dict(base_batch_size=128)
randomness = dict(seed=777)

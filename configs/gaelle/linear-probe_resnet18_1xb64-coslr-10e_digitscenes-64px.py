# Multi-label linear probe on DigitScenes of a DigitScenes GAELLE or SwAV
# ResNet-18 (this folder), GAELLE's protocol (configs/_base_/linear_probe/
# gaelle_resnet50_linear-probe-coslr_100e.py) shortened for a CPU: 10
# epochs, batch 64, lr 0.1; 64-px inputs resized from the whole 128-px image
# (crops would cut labelled digits out; no flips: a mirrored digit is
# another glyph). Unlike the reference, the best epoch is chosen on the val
# split and the test split is reported:
#   python tools/train.py configs/gaelle/<this file> --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_5.pth
#   python tools/test.py configs/gaelle/<this file> \
#       work_dirs/<this config>/best_multi-label_mAP_epoch_<N>.pth
_base_ = [
    '../_base_/datasets/digit_scenes.py',
    '../_base_/linear_probe/gaelle_resnet50_linear-probe-coslr_100e.py',
]
pretrained = ('work_dirs/gaelle_resnet18_1xb64-mcrop-coslr-5e_'
              'digitscenes-64px-32px/epoch_5.pth')
num_classes = 10
max_epochs = 10
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(depth=18, init_cfg=dict(checkpoint=pretrained)),
    head=dict(num_classes=num_classes, in_channels=512))
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=max_epochs, end=max_epochs)
]
train_cfg = dict(max_epochs=max_epochs)
eval_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64), backend='pillow'),
    dict(type='PackInputs', meta_keys=_base_.probe_meta_keys),
]
train_dataloader = dict(
    batch_size=64,
    dataset=dict(difficult_as_positive=False, pipeline=eval_pipeline))
val_dataloader = dict(dataset=dict(pipeline=eval_pipeline))
test_dataloader = dict(dataset=dict(pipeline=eval_pipeline))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=5))
auto_scale_lr = dict(base_batch_size=64)

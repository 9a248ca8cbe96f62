# Linear probe on DigitScenes of a DigitScenes MoCo-v2 ResNet-18 (this
# folder), the protocol of Object-aware cropping (frozen backbone with BN in
# eval mode, linear BCE head, SGD, steps at 60% / 80%) shortened for a CPU:
#   python tools/train.py configs/objcrop/<this file> --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_10.pth
#   python tools/test.py configs/objcrop/<this file> \
#       work_dirs/<this config>/epoch_10.pth      # mAP on the test split
# Changes to the protocol: 10 epochs (steps at 6, 8), batch 64 with lr
# 30 * 64 / 256 = 7.5; 64-px inputs resized from the whole 128-px image for
# train and test (crops would cut labelled digits out; no flips: a mirrored
# digit is another glyph).
_base_ = [
    '../_base_/datasets/digit_scenes.py',
    '../_base_/linear_probe/resnet50_linear-probe_100e.py',
]
pretrained = ('work_dirs/mocov2-objobj-dilate0.2_resnet18_1xb64-coslr-10e_'
              'digitscenes-64px/epoch_10.pth')
num_classes = 10
max_epochs = 10
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(depth=18, init_cfg=dict(checkpoint=pretrained)),
    head=dict(
        num_classes=num_classes,
        in_channels=512,
        loss=dict(loss_weight=1.0 / num_classes)))
optim_wrapper = dict(optimizer=dict(lr=7.5))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[6, 8], gamma=0.1)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
default_hooks = dict(
    logger=dict(interval=10), checkpoint=dict(interval=5))
probe_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64), backend='pillow'),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=probe_pipeline))
val_dataloader = dict(dataset=dict(pipeline=probe_pipeline))
test_dataloader = dict(dataset=dict(pipeline=probe_pipeline))
val_evaluator = {{_base_.probe_evaluator}}
test_evaluator = val_evaluator
randomness = dict(seed=0)

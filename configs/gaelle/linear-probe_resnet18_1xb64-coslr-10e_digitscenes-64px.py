# Multi-label linear evaluation on DigitScenes of a DigitScenes GAELLE or
# SwAV ResNet-18 (this folder), GAELLE's protocol (frozen backbone, BN in
# eval mode, Linear(512, 10) ~ N(0, 0.01) with bias 0.1, BCE summed over
# classes / batch, SGD momentum 0.9, wd 1e-6, grad clip 10, cosine per epoch)
# shortened for a CPU: 10 epochs, batch 64, lr 0.1; 64-px inputs resized
# from the whole 128-px image (crops would cut labelled digits out; no
# flips: a mirrored digit is another glyph). Unlike the reference, the best
# epoch is chosen on the val split and the test split is reported:
#   python tools/train.py configs/gaelle/<this file> --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_5.pth
#   python tools/test.py configs/gaelle/<this file> \
#       work_dirs/<this config>/best_multi-label_mAP_epoch_<N>.pth
_base_ = ['./linear-probe_resnet50_1xb128-coslr-100e_coco14-224px.py']
data_root = 'data/digit_scenes'
pretrained = ('work_dirs/gaelle_resnet18_1xb64-mcrop-coslr-5e_'
              'digitscenes-64px-32px/epoch_5.pth')
num_classes = 10
max_epochs = 10
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(depth=18, init_cfg=dict(checkpoint=pretrained)),
    head=dict(num_classes=num_classes, in_channels=512))
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
eval_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(64, 64), backend='pillow'),
    dict(type='PackInputs', meta_keys={{_base_.probe_meta_keys}}),
]
train_dataloader = dict(
    _delete_=True,
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='DigitScenesDataset',
        data_root=data_root,
        split='train',
        pipeline=eval_pipeline))
val_dataloader = dict(
    _delete_=True,
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='DigitScenesDataset',
        data_root=data_root,
        split='val',
        test_mode=True,
        pipeline=eval_pipeline))
test_dataloader = dict(
    _delete_=True,
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='DigitScenesDataset',
        data_root=data_root,
        split='test',
        test_mode=True,
        pipeline=eval_pipeline))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(
        interval=5,
        max_keep_ckpts=1,
        save_best='multi-label/mAP',
        rule='greater'))
auto_scale_lr = dict(base_batch_size=64)
randomness = dict(seed=777)

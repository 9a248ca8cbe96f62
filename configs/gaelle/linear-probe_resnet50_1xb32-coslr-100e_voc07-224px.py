# Multi-label linear evaluation on PASCAL VOC 2007 (GAELLE / SS-PRL
# protocol, methods/gaelle.md section 7): train on trainval (5,011), test on
# test (4,952), 20 classes; batch 32 on 1 GPU, lr 0.03; otherwise as the
# COCO linear evaluation of this folder. Difficult-only classes are ignored
# in the loss and the mAP (the reference's label 255).
# No published VOC number for GAELLE.
#   python tools/train.py configs/gaelle/<this file> --amp --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_400.pth
_base_ = ['./linear-probe_resnet50_1xb128-coslr-100e_coco14-224px.py']
data_root = 'data/VOCdevkit/VOC2007'
num_classes = 20
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    head=dict(type='MaskedMultiLabelLinearClsHead', num_classes=num_classes))
optim_wrapper = dict(optimizer=dict(lr=0.03))
train_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='VOCDataset',
        data_root=data_root,
        ann_file='ImageSets/Main/trainval.txt',
        difficult_as_positive=False,
        pipeline={{_base_.probe_train_pipeline}}))
val_dataloader = dict(
    _delete_=True,
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='VOCDataset',
        data_root=data_root,
        ann_file='ImageSets/Main/test.txt',
        difficult_as_positive=False,
        test_mode=True,
        pipeline={{_base_.probe_test_pipeline}}))
test_dataloader = val_dataloader
auto_scale_lr = dict(base_batch_size=32)

# Multi-label linear probe on PASCAL VOC 2007 (GAELLE's protocol:
# configs/_base_/linear_probe/gaelle_resnet50_linear-probe-coslr_100e.py):
# train on trainval (5,011), test on test (4,952), 20 classes; batch 32 on
# 1 GPU, lr 0.03. Classes present only as difficult objects are ignored in
# the loss (MaskedMultiLabelLinearClsHead) and in the mAP, as the
# reference's label 255. No published VOC number for GAELLE.
#   python tools/train.py configs/gaelle/<this file> --amp --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_400.pth
_base_ = [
    '../_base_/datasets/voc07_448.py',
    '../_base_/linear_probe/gaelle_resnet50_linear-probe-coslr_100e.py',
]
pretrained = ('work_dirs/gaelle_resnet50_2xb64-mcrop-coslr-400e_coco14-'
              '224px-96px/epoch_400.pth')
num_classes = 20
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(init_cfg=dict(checkpoint=pretrained)),
    head=dict(type='MaskedMultiLabelLinearClsHead', num_classes=num_classes))
optim_wrapper = dict(optimizer=dict(lr=0.03))
train_dataloader = dict(
    batch_size=32,
    dataset=dict(
        difficult_as_positive=False,
        pipeline={{_base_.probe_train_pipeline}}))
val_dataloader = dict(
    batch_size=32, dataset=dict(pipeline={{_base_.probe_test_pipeline}}))
test_dataloader = val_dataloader
auto_scale_lr = dict(base_batch_size=32)

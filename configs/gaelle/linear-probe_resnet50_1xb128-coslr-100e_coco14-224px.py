# Multi-label linear probe on MS-COCO 2014 (GAELLE's protocol:
# configs/_base_/linear_probe/gaelle_resnet50_linear-probe-coslr_100e.py)
# of a GAELLE or SwAV ResNet-50 from this folder: batch 128 on 1 GPU, lr
# 0.1, all 82,783 train / 40,504 val2014 images (images without annotations
# are all-negative), 80 classes in annotation order, mAP on val2014 every
# epoch. Reported: 62.4 (pretrained on COCO 2014), 65.1 (COCO 2017, whose
# train set overlaps val2014).
#   python tools/train.py configs/gaelle/<this file> --amp --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_400.pth
_base_ = [
    '../_base_/datasets/coco14_448.py',
    '../_base_/linear_probe/gaelle_resnet50_linear-probe-coslr_100e.py',
]
pretrained = ('work_dirs/gaelle_resnet50_2xb64-mcrop-coslr-400e_coco14-'
              '224px-96px/epoch_400.pth')
num_classes = 80
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(init_cfg=dict(checkpoint=pretrained)),
    head=dict(num_classes=num_classes))
train_dataloader = dict(
    batch_size=128,
    dataset=dict(
        drop_empty=False, pipeline={{_base_.probe_train_pipeline}}))
val_dataloader = dict(
    batch_size=128,
    dataset=dict(drop_empty=False, pipeline={{_base_.probe_test_pipeline}}))
test_dataloader = val_dataloader

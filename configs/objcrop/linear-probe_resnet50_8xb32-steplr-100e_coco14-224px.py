# Linear probe on MS-COCO 2014 (82,081 train / 40,137 val images with
# labels, 80 classes) with Object-aware cropping's protocol, for a
# MoCo-v2 ResNet-50 pretrained on COCO by a config of this folder:
#   bash tools/dist_train.sh configs/objcrop/<this file> 8 --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_200.pth
_base_ = [
    '../_base_/datasets/coco14_448.py',
    '../_base_/linear_probe/resnet50_linear-probe_100e.py',
]
pretrained = ('work_dirs/mocov2-objobj-dilate0.2-gt_resnet50_1xb128-coslr-200e_'
              'coco14-224px/epoch_200.pth')
num_classes = 80
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(init_cfg=dict(checkpoint=pretrained)),
    head=dict(
        num_classes=num_classes,
        loss=dict(loss_weight=1.0 / num_classes)))
train_dataloader = dict(
    batch_size=32, dataset=dict(pipeline={{_base_.probe_train_pipeline}}))
val_dataloader = dict(
    batch_size=32, dataset=dict(pipeline={{_base_.probe_test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = {{_base_.probe_evaluator}}
test_evaluator = val_evaluator

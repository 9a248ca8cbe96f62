# Linear probe on OpenImages OHMS (Object-aware cropping's protocol)
# of a MoCo-v2 ResNet-50 pretrained by a config of this folder:
#   bash tools/dist_train.sh configs/objcrop/<this file> 8 --cfg-options \
#       model.backbone.init_cfg.checkpoint=work_dirs/<pretrain>/epoch_200.pth
# Train: images_selected_new (the pretraining images); test:
# images_selected_test_40k. 8 GPUs x 32 = batch 256 (lr 30 is for 256).
_base_ = [
    '../_base_/datasets/openimages_ohms_224.py',
    '../_base_/linear_probe/resnet50_linear-probe_100e.py',
]
pretrained = ('work_dirs/mocov2-objobj-dilate0.2_resnet50_1xb128-coslr-200e_'
              'ohms-224px/epoch_200.pth')
# The label space is data-driven (the reference's head has 576 outputs,
# its README says 208 classes): set num_classes to
# len(OpenImagesOHMSDataset(...).metainfo['classes']) of your train dict;
# NumClassesCheckHook (default_runtime) stops the run before training and
# prints that number when it differs.
num_classes = 576
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    backbone=dict(init_cfg=dict(checkpoint=pretrained)),
    head=dict(
        num_classes=num_classes,
        loss=dict(loss_weight=1.0 / num_classes)))
train_dataloader = dict(
    batch_size=32,
    # No object boxes needed for the probe.
    dataset=dict(box_file=None, pipeline={{_base_.probe_train_pipeline}}))
val_dataloader = dict(
    batch_size=32, dataset=dict(pipeline={{_base_.probe_test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = {{_base_.probe_evaluator}}
test_evaluator = val_evaluator

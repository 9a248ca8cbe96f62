# OASS stage 1 (full), ResNet-101, VOC 2012 Protocol B: classification
# train (5,717) -> classification val (5,823), mAP and CorLoc (the val
# split has no masks for most images, so no CAM mIoU). T = 2,670.
#   tools/dist_train.sh configs/oass/<this file> 4
_base_ = ['./oass_resnet101_4xb8-poly-15e_voc12aug-512px.py']
train_dataloader = dict(dataset=dict(ann_file='ImageSets/Main/train.txt'))
val_dataloader = dict(dataset=dict(ann_file='ImageSets/Main/val.txt'))
test_dataloader = val_dataloader
val_evaluator = [dict(type='MLCMetric'), dict(type='CAMCorLoc')]
test_evaluator = val_evaluator

# VOC 2012 for OASS Protocol B: the classification train split (5,717
# images) -> the classification val split (5,823), scored by mAP and
# CorLoc (most val images have no mask, so no CAM mIoU). Pipelines and
# loaders are Protocol A's (voc12_oass-512px.py).
_base_ = ['./voc12_oass-512px.py']
train_dataloader = dict(dataset=dict(ann_file='ImageSets/Main/train.txt'))
val_dataloader = dict(dataset=dict(ann_file='ImageSets/Main/val.txt'))
test_dataloader = val_dataloader
val_evaluator = [dict(type='MLCMetric'), dict(type='CAMCorLoc')]
test_evaluator = val_evaluator

# VOC 2012 for OASS stage 5, Protocol B: the classification train split
# (5,717) with its CSI -> the classification val split (5,823), mAP.
# Pipelines and loaders are Protocol A's (voc12_csi-448px.py); the CSI
# file must be made on the classification train split.
_base_ = ['./voc12_csi-448px.py']
train_dataloader = dict(
    dataset=dict(dataset=dict(ann_file='ImageSets/Main/train.txt')))
val_dataloader = dict(dataset=dict(ann_file='ImageSets/Main/val.txt'))
test_dataloader = val_dataloader

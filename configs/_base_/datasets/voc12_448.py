# PASCAL VOC 2012 (devkit layout), 448 x 448, train on train, test on val
# (the VOC2012 test labels are not public); otherwise as voc07_448.py. Any id
# list works as ann_file, e.g. 'ImageSets/Segmentation/train_aug.txt' (one
# image id per line, or DeepLab-style image/mask pairs).
_base_ = ['./voc07_448.py']
data_root = 'data/VOCdevkit/VOC2012'
train_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='ImageSets/Main/train.txt'))
val_dataloader = dict(
    dataset=dict(data_root=data_root, ann_file='ImageSets/Main/val.txt'))
test_dataloader = val_dataloader

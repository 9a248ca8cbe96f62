# PASCAL VOC 2007 (devkit layout), 448 x 448, train on trainval, test on test.
# Difficult objects: counted as positives for training (as SALGL and MulCon
# do); ignored in evaluation by the VOC protocol, so the packed samples carry
# gt_label_difficult to the metric.
_base_ = ['./loaders_448.py']
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit/VOC2007'
meta_keys = _base_.meta_keys + ('gt_label_difficult', )
# The shared pipelines, packing the longer meta_keys.
train_pipeline = [
    *_base_.train_pipeline[:-1],
    dict(type='PackInputs', meta_keys=meta_keys)
]
test_pipeline = [
    *_base_.test_pipeline[:-1],
    dict(type='PackInputs', meta_keys=meta_keys)
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Main/trainval.txt',
        difficult_as_positive=True,
        pipeline=train_pipeline))
# The train dataset on the test split, difficult objects not positives.
val_dataloader = dict(
    dataset=dict(
        train_dataloader['dataset'],
        ann_file='ImageSets/Main/test.txt',
        difficult_as_positive=False,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

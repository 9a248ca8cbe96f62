# MS-COCO 2014 multi-label: 82,081 train / 40,137 val images (images without
# annotations dropped), 80 classes in COCO category-id order, 448 x 448.
# Published ML-GCN-style checkpoints use the alphabetical order: set
# class_order='alphabetical' on both datasets to evaluate those.
_base_ = ['./loaders_448.py']
dataset_type = 'COCODataset'
data_root = 'data/coco'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_train2014.json',
        data_prefix=dict(img_path='train2014')))
# The train dataset on the val split.
val_dataloader = dict(
    dataset=dict(
        train_dataloader['dataset'],
        ann_file='annotations/instances_val2014.json',
        data_prefix=dict(img_path='val2014')))
test_dataloader = val_dataloader

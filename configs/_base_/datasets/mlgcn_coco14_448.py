# COCO 2014 in the ML-GCN json format (category.json, train_anno.json,
# val_anno.json next to the train2014/ and val2014/ image folders), 448 x 448.
# Classes in ML-GCN's alphabetical order, as ML-GCN-style checkpoints expect.
_base_ = ['./loaders_448.py']
dataset_type = 'MLGCNJsonDataset'
data_root = 'data/coco'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train_anno.json',
        category_file='category.json',
        data_prefix=dict(img_path='train2014')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='val_anno.json',
        category_file='category.json',
        data_prefix=dict(img_path='val2014')))
test_dataloader = val_dataloader

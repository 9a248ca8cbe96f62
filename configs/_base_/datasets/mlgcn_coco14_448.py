# COCO 2014 (coco14_448.py) read from the ML-GCN json format instead
# (category.json, train_anno.json, val_anno.json next to the train2014/ and
# val2014/ image folders), 448 x 448. Classes in ML-GCN's alphabetical
# order, as ML-GCN-style checkpoints expect.
_base_ = ['./coco14_448.py']
dataset_type = 'MLGCNJsonDataset'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file='train_anno.json',
        category_file='category.json'))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        ann_file='val_anno.json',
        category_file='category.json'))
test_dataloader = val_dataloader

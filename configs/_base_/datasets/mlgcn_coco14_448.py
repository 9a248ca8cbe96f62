# COCO 2014 in the ML-GCN json format (category.json, train_anno.json,
# val_anno.json next to the train2014/ and val2014/ image folders). Classes in
# ML-GCN's alphabetical order, as ML-GCN-style checkpoints expect.
_base_ = ['./coco14_448.py']
dataset_type = 'MLGCNJsonDataset'
data_root = 'data/coco'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='train_anno.json',
        category_file='category.json',
        data_prefix=dict(img_path='train2014'),
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='val_anno.json',
        category_file='category.json',
        data_prefix=dict(img_path='val2014'),
        test_mode=True,
        pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader

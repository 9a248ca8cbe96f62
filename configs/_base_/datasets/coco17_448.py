# MS-COCO 2017 multi-label: 117,266 train / 4,952 val images (images without
# annotations dropped), 80 classes in COCO category-id order; otherwise as
# coco14_448.py.
_base_ = ['./coco14_448.py']
train_dataloader = dict(
    dataset=dict(
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img_path='train2017')))
val_dataloader = dict(
    dataset=dict(
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img_path='val2017')))
test_dataloader = val_dataloader

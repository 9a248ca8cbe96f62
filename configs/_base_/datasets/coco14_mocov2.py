# MS-COCO 2014 train for MoCo-v2 pretraining: 82,081 images with
# annotations (labels unused; ground-truth boxes for the object crops).
# Loader (batch 128) and the Scene-Scene pipeline come from
# ../pipelines/mocov2_views.py; a pretraining config sets another of its
# pipelines.
_base_ = ['../pipelines/mocov2_views.py']
data_root = 'data/coco'
train_dataloader = dict(
    dataset=dict(
        type='COCODataset',
        data_root=data_root,
        ann_file='annotations/instances_train2014.json',
        data_prefix=dict(img_path='train2014')))

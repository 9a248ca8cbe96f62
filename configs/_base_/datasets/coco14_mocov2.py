# MS-COCO 2014 train for MoCo-v2 pretraining: 82,081 images with
# annotations (labels unused; ground-truth boxes for the object crops),
# batch 128, dropping the last partial batch, no validation. The pipeline
# is Scene-Scene; a pretraining config sets another of
# ../pipelines/mocov2_views.py.
_base_ = ['../pipelines/mocov2_views.py']
data_root = 'data/coco'
train_dataloader = dict(
    batch_size=128,
    num_workers=16,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='COCODataset',
        data_root=data_root,
        ann_file='annotations/instances_train2014.json',
        data_prefix=dict(img_path='train2014'),
        pipeline={{_base_.scene_pipeline}}),
)

# SwAV / GAELLE multi-crop pretraining data on MS-COCO 2014 train: all
# 82,783 images of train2014 read as a flat list (labels unused, no dummy
# class folder), SwAV's 8 crops per image (configs/_base_/pipelines/
# swav_mcrop.py), batch 64 per GPU with drop_last.
_base_ = ['../pipelines/swav_mcrop.py']
data_root = 'data/coco'
train_dataloader = dict(
    **_base_.swav_loader,
    dataset=dict(
        type='CustomDataset',
        data_root=data_root,
        data_prefix='train2014',
        with_label=False,
        pipeline=_base_.train_pipeline))

# DigitScenes for MoCo-v2 pretraining on a CPU: the 3,000 train images of
# 128 px (built on first use, no download; labels unused, ground-truth digit
# boxes for the object crops), batch 64, dropping the last partial batch
# (46 steps an epoch), no validation. The pipeline is Scene-Scene; a
# pretraining config sets another of ../pipelines/
# mocov2_views_digitscenes-64px.py.
_base_ = ['../pipelines/mocov2_views_digitscenes-64px.py']
data_root = 'data/digit_scenes'
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='DigitScenesDataset',
        data_root=data_root,
        split='train',
        pipeline={{_base_.scene_pipeline}}),
)

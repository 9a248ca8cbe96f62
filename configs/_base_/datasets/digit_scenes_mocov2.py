# DigitScenes for MoCo-v2 pretraining on a CPU: the 3,000 train images of
# 128 px (built on first use, no download; labels unused, ground-truth digit
# boxes for the object crops). Loader (batch 64) and the Scene-Scene
# pipeline come from ../pipelines/mocov2_views_digitscenes-64px.py; a
# pretraining config sets another of its pipelines.
_base_ = ['../pipelines/mocov2_views_digitscenes-64px.py']
data_root = 'data/digit_scenes'
train_dataloader = dict(
    dataset=dict(
        type='DigitScenesDataset', data_root=data_root, split='train'))

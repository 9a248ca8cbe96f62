# MoCo-v2 Object-Object+Dilate 0.2 on DigitScenes with ground-truth digit
# boxes: the object-aware crops in miniature, same model, schedule and
# steps as the scene config (a random digit per image visit), clean crop
# arithmetic, object crops of at least 32 px (see
# ../_base_/pipelines/mocov2_views_digitscenes-64px.py; the reference's
# arithmetic: the base's objobj_faithful_pipeline).
_base_ = [
    '../_base_/models/mocov2_resnet18_digitscenes.py',
    '../_base_/datasets/digit_scenes_mocov2.py',
    '../_base_/schedules/sgd_coslr_10e_mocov2-digitscenes.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(dataset=dict(pipeline={{_base_.objobj_pipeline}}))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=5, max_keep_ckpts=2, save_best=None))
randomness = dict(seed=0)

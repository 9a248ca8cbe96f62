# Augmentation screen on DigitScenes: SALGL's DigitScenes config with the
# SALGL recipe's RandAugment (../_base_/pipelines/digit_scenes_randaug-64px.py)
# after the 64-px Resize. Screened on the baseline's val and NOT adopted: at
# 8 epochs it lowers the baseline's val mAP (64.4 against 68.8 without
# augmentation), so the DigitScenes configs keep no augmentation.
_base_ = [
    './salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py',
    '../_base_/pipelines/digit_scenes_randaug-64px.py',
]
train_pipeline = [
    *_base_.train_pipeline[:-1], _base_.digit_scenes_randaugment,
    _base_.train_pipeline[-1]
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

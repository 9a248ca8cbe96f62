# MulCon stage two (Dao et al., Neurocomputing 2023): from the stage-one
# EMA, BCE over two views + 0.5 x label-level contrastive loss, SGD 0.01
# (backbone and attention 1e-3), 15 epochs, EMA 0.9997, evaluated on the EMA.
# Data: MS-COCO 2014 in ML-GCN's json format (category.json, train_anno.json,
# val_anno.json: 82,081 / 40,137 images), classes in ML-GCN's alphabetical
# order, as the released code reads them. Paper: 84.9 mAP after stage two.
_base_ = [
    '../_base_/datasets/mlgcn_coco14_448.py',
    '../_base_/models/mulcon_resnet101_stage2.py',
    '../_base_/schedules/mulcon_sgd_steplr_15e.py',
    '../_base_/pipelines/mulcon_views.py',
    '../_base_/default_runtime.py',
]
# The stage-one EMA of epoch 15 (the released choice; epoch 25 is the end of
# stage one): --cfg-options model.stage_one_checkpoint=PATH for another.
stage_one_checkpoint = ('work_dirs/mulcon-stage1_resnet101_2xb16-coslr-25e_'
                        'coco14-mlgcn-448px/epoch_15.pth')
model = dict(stage_one_checkpoint=stage_one_checkpoint)
# Pipelines and loader settings: _base_/pipelines/mulcon_views.py,
# each pipeline ended by this dataset's PackInputs (its meta_keys).
train_pipeline = [*_base_.mulcon_two_view_pipeline, _base_.train_pipeline[-1]]
test_pipeline = [*_base_.mulcon_test_pipeline, _base_.test_pipeline[-1]]
train_dataloader = dict(
    _base_.mulcon_two_view_loader, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(
    _base_.mulcon_two_view_val_loader, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

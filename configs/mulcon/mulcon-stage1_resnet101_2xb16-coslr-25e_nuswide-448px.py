# MulCon stage one (Dao et al., Neurocomputing 2023): BCE only, 25 epochs,
# AdamW 2e-4 (backbone 2e-5), warm-up + cosine as released, EMA 0.9997.
# Data: NUS-WIDE (81 concepts). The paper's NUS-WIDE recipe could not be
# checked: the COCO recipe is used unchanged.
# Train: RandomResizedCrop(0.875-1) -> flip -> RandAugment; test: squash
# resize. Then stage two:
#   mulcon-stage2_resnet101_2xb12-2view-steplr-15e_nuswide-448px.py
_base_ = [
    '../_base_/datasets/nuswide_448.py',
    '../_base_/models/mulcon_resnet101.py',
    '../_base_/schedules/mulcon_adamw_coslr_25e.py',
    '../_base_/pipelines/mulcon_views.py',
    '../_base_/default_runtime.py',
]
num_classes = 81
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    neck=dict(num_classes=num_classes),
    head=dict(num_classes=num_classes),
)
# Pipelines and loader settings: _base_/pipelines/mulcon_views.py,
# each pipeline ended by this dataset's PackInputs (its meta_keys).
train_pipeline = [*_base_.mulcon_one_view_pipeline, _base_.train_pipeline[-1]]
test_pipeline = [*_base_.mulcon_test_pipeline, _base_.test_pipeline[-1]]
train_dataloader = dict(
    _base_.mulcon_one_view_loader, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
# Keep epochs 5, 10, 15, 20, 25: stage two starts from epoch 15's EMA.
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=-1))

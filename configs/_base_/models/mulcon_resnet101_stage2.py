# MulCon stage two: the stage-one model (./mulcon_resnet101.py) plus the
# projector (1024 -> 1024 -> ReLU -> 128, L2-normalised, shared by all labels)
# and the label-level supervised contrastive loss (tau = tau_b = 0.2, weight
# 0.5) over the present labels of every view of the batch, all-gathered over
# the GPUs. Loss = 1.0 x mean BCE over both views + 0.5 x contrastive.
# Backbone, neck and classifiers come from stage one's checkpoint: the leaf
# config sets model.stage_one_checkpoint (a missing file or another
# architecture stops before training).
_base_ = ['./mulcon_resnet101.py']
model = dict(
    # Two views per image arrive as a list: the multi-view preprocessor
    # replaces the single-view one (its arguments differ, hence _delete_).
    data_preprocessor=dict(
        _delete_=True,
        type='MultiViewDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
    ),
    stage_one_checkpoint=None,
    # ImageNet weights are not needed: stage one's overwrite them.
    backbone=dict(init_cfg=None),
    head=dict(
        proj_channels=(1024, 128),
        contrastive_loss=dict(
            type='LabelSupConLoss',
            temperature=0.2,
            base_temperature=0.2,
            loss_weight=0.5,
            denominator_size=0,
            gather=True),
    ),
)

# GAELLE with object-aware local crops on DigitScenes, the crops centred on
# OASS CAM BOXES instead of ground-truth digit boxes: read by LoadProposals,
# one box drawn per local crop as in the ground-truth-box config (whose
# crop transform takes the boxes of any source). Everything else as that
# config (same steps). The boxes file and the command that makes it:
# ../_base_/pipelines/oass_cam_boxes_digitscenes.py. Then
#   python tools/train.py configs/gaelle/<this file>
_base_ = [
    './gaelle-objlocal_resnet18_1xb64-mcrop-coslr-5e_digitscenes-64px-32px.py',
    '../_base_/pipelines/oass_cam_boxes_digitscenes.py',
]
object_local_view = [
    dict(_base_.object_local_view[0], box_key='proposals'),
    *_base_.object_local_view[1:],
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    _base_.load_cam_boxes,
    dict(
        type='MultiView',
        num_views=[2, 6],
        transforms=[_base_.global_view, object_local_view]),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

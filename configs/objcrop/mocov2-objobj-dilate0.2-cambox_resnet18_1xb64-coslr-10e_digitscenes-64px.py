# MoCo-v2 Object-Object+Dilate 0.2 on DigitScenes with OASS CAM BOXES
# instead of the ground-truth digit boxes: one CAM box drawn per image
# visit, through the project's one box path (LoadProposals +
# SelectObjectBox). Same model, schedule and steps as the ground-truth-box
# config. The boxes file and the command that makes it:
# ../_base_/pipelines/oass_cam_boxes_digitscenes.py.
_base_ = [
    './mocov2-objobj-dilate0.2_resnet18_1xb64-coslr-10e_digitscenes-64px.py',
    '../_base_/pipelines/oass_cam_boxes_digitscenes.py',
]
train_pipeline = [
    _base_.objobj_pipeline[0],  # loading
    _base_.load_cam_boxes,
    dict(type='SelectObjectBox', box_source='proposals'),
    # MultiView of the object and dilated crops, view swap, packing.
    *_base_.objobj_pipeline[2:],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

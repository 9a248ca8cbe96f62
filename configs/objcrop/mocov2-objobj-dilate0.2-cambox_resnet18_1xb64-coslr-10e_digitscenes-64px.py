# MoCo-v2 Object-Object+Dilate 0.2 on DigitScenes with OASS CAM BOXES
# instead of the ground-truth digit boxes: the boxes of an OASS classifier's
# offline CAMs (docs/reference/oass.md, "CAM boxes"; at most 3 per positive
# class of the image), one drawn per image visit, through the project's one
# box path (LoadProposals + SelectObjectBox). Same model, schedule and steps
# as the ground-truth-box config. Make the boxes file first (the OASS
# DigitScenes chain in docs/methods/oass.md: train OASS, write the train
# split's CAMs, then)
#   python tools/oass/make_csi.py \
#       configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py \
#       work_dirs/oass_cams/digitscenes_train \
#       --out work_dirs/oass_cams/digitscenes_train_boxes.npz --split train
# It is keyed by the image's file name and labelled with DigitScenes's
# classes (checked). An image missing from it is an error.
_base_ = ['./mocov2-objobj-dilate0.2_resnet18_1xb64-coslr-10e_digitscenes-64px.py']
proposal_file = 'work_dirs/oass_cams/digitscenes_train_boxes.npz'
digit_classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']
train_pipeline = [
    _base_.objobj_pipeline[0],  # loading
    dict(
        type='LoadProposals',
        proposal_file=proposal_file,
        key='filename',
        classes=digit_classes,
        on_missing='error',
        on_invalid='error'),
    dict(type='SelectObjectBox', box_source='proposals'),
    # MultiView of the object and dilated crops, view swap, packing.
    *_base_.objobj_pipeline[2:],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

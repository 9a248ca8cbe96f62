# GAELLE with object-aware local crops on DigitScenes, the crops centred on
# OASS CAM BOXES instead of ground-truth digit boxes: the boxes of an OASS
# classifier's offline CAMs (docs/reference/oass.md, "CAM boxes"; at most 3
# per positive class), read by LoadProposals, one box drawn per local crop
# as in the ground-truth-box config (whose crop transform takes the boxes
# of any source). Everything else as that config (same steps). Make the
# boxes file first (the OASS DigitScenes chain in docs/methods/oass.md:
# train OASS, write the train split's CAMs, then)
#   python tools/oass/make_csi.py \
#       configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py \
#       work_dirs/oass_cams/digitscenes_train \
#       --out work_dirs/oass_cams/digitscenes_train_boxes.npz --split train
# It is keyed by the image's file name and labelled with DigitScenes's
# classes (checked). An image missing from it is an error.
#   python tools/train.py configs/gaelle/<this file>
_base_ = ['./gaelle-objlocal_resnet18_1xb64-mcrop-coslr-5e_digitscenes-64px-32px.py']
proposal_file = 'work_dirs/oass_cams/digitscenes_train_boxes.npz'
digit_classes = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']
object_local_view = [
    dict(_base_.object_local_view[0], box_key='proposals'),
    *_base_.object_local_view[1:],
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='LoadProposals',
        proposal_file=proposal_file,
        key='filename',
        classes=digit_classes,
        on_missing='error',
        on_invalid='error'),
    dict(
        type='MultiView',
        num_views=[2, 6],
        transforms=[_base_.global_view, object_local_view]),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

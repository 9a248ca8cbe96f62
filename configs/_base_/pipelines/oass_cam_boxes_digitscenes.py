# OASS CAM boxes of the DigitScenes train split as a box source: the boxes
# of an OASS classifier's offline CAMs (docs/reference/oass.md, "CAM
# boxes"; at most 3 per positive class of an image) in the project's
# proposals file, read by LoadProposals (per-box class labels, checked
# against DigitScenes's classes). Make the file first (the OASS DigitScenes
# chain in docs/methods/oass.md: train OASS, write the train split's CAMs,
# then)
#   python tools/oass/make_csi.py \
#       configs/oass/oass_resnet18_4xb8-poly-6e_digitscenes-64px.py \
#       work_dirs/oass_cams/digitscenes_train \
#       --out work_dirs/oass_cams/digitscenes_train_boxes.npz --split train
# It is keyed by the image's file name; an image missing from it is an
# error.
cam_boxes_file = 'work_dirs/oass_cams/digitscenes_train_boxes.npz'
load_cam_boxes = dict(
    type='LoadProposals',
    proposal_file=cam_boxes_file,
    key='filename',
    classes=['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    on_missing='error',
    on_invalid='error')

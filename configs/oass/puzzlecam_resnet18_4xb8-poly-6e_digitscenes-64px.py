# Ablation row 2 on DigitScenes: Puzzle-CAM, fixed 2 x 2 tiles, no L_tile; otherwise the DigitScenes
# full OASS config.
#   tools/dist_train.sh configs/oass/<this file> 4
_base_ = ['./oass_resnet18_4xb8-poly-6e_digitscenes-64px.py']
model = dict(tiling='grid', tile_weight=0.)

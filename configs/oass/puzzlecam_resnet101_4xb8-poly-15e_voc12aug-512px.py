# Ablation row 2: Puzzle-CAM, fixed 2 x 2 tiles, no L_tile
# (L_cls + L_pcls + alpha(t) L_re).
#   tools/dist_train.sh configs/oass/<this file> 4
_base_ = ['./oass_resnet101_4xb8-poly-15e_voc12aug-512px.py']
model = dict(tiling='grid', tile_weight=0.)

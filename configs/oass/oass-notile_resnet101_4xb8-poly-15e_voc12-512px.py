# Ablation row 3: object-aware tiling without L_tile.
#   tools/dist_train.sh configs/oass/<this file> 4
_base_ = ['./oass_resnet101_4xb8-poly-15e_voc12-512px.py']
model = dict(tile_weight=0.)

# The fallback auxiliary task: rotation prediction (0/90/180/270) on each
# image's top CAM box (>= 64 px, resampled to 224), weight 0.5, instead of
# the tiles. Use only if the paper turns out to describe per-object
# pretext tasks (docs/reference/oass.md).
#   tools/dist_train.sh configs/oass/<this file> 4
_base_ = ['./oass_resnet101_4xb8-poly-15e_voc12aug-512px.py']
model = dict(aux='rotation')

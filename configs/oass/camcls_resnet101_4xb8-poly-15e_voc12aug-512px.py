# Ablation row 1: the plain CAM classifier (L_cls only), same schedule and
# data as the full OASS config of this protocol.
#   tools/dist_train.sh configs/oass/<this file> 4
_base_ = ['./oass_resnet101_4xb8-poly-15e_voc12aug-512px.py']
model = dict(aux='none')

# Ablation row 1 on DigitScenes: the plain CAM classifier (L_cls only); otherwise the DigitScenes
# full OASS config.
#   tools/dist_train.sh configs/oass/<this file> 4
_base_ = ['./oass_resnet18_4xb8-poly-6e_digitscenes-64px.py']
model = dict(aux='none')

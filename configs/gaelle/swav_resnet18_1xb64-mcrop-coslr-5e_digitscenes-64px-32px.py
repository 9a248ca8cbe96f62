# Plain SwAV on DigitScenes, the baseline of the GAELLE DigitScenes config:
# same pipeline, backbone, schedule, queue and freezing, no local branch
# (loss = L_glb).
#   python tools/train.py configs/gaelle/<this file>
_base_ = ['./gaelle_resnet18_1xb64-mcrop-coslr-5e_digitscenes-64px-32px.py']
model = dict(
    neck=dict(with_local=False),
    head=dict(global_weight=1.0, local_weight=0.0, l2g_weight=0.0))

# OASS stage 5, row 5 of the ablation: full OASS + CSI training, the image
# alone at test (fusion global), on the embedded DigitScenes (2 CPU cores).
# It trains exactly as row 6
# (oass-csi-max_resnet18_1xb16-poly-1e_digitscenes-64px.py), whose header
# gives the commands that make the stage-1 checkpoint and the CSI file; a
# row-6 checkpoint tests as row 5 with --cfg-options model.fusion=global.
_base_ = ['./oass-csi-max_resnet18_1xb16-poly-1e_digitscenes-64px.py']
model = dict(fusion='global')

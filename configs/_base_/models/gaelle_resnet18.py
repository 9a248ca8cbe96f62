# GAELLE at CPU scale, for the DigitScenes configs: the reference's model
# (gaelle_resnet50.py) on a ResNet-18 with plain BN (one process, 512
# channels) and 300 prototypes per matrix. 300 suits 3,000 images and is
# not fewer than the 128 embedding dimensions: with fewer, embeddings
# orthogonal to every prototype hold the loss at ln K with zero gradient
# (K = 100 kept SwAV at 4.6052; docs/reference/gaelle.md, "Quirks and
# switches").
_base_ = ['./gaelle_resnet50.py']
model = dict(
    backbone=dict(depth=18, norm_cfg=dict(type='BN')),
    neck=dict(in_channels=512, hid_channels=512),
    head=dict(num_prototypes=300, num_local_prototypes=300))

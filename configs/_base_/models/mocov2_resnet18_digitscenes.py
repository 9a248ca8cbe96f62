# MoCo-v2 ResNet-18 for DigitScenes on a CPU: mocov2_resnet50.py with a
# ResNet-18 (512-d features, MLP 512 -> 512 -> 128), a queue of 4,096 (a
# multiple of batch 64) and key-encoder momentum m = 0.99 (momentum=0.01):
# with m = 0.999 the key encoder would hardly leave its initialisation in a
# few hundred steps.
_base_ = ['./mocov2_resnet50.py']
model = dict(
    queue_len=4096,
    momentum=0.01,
    backbone=dict(depth=18),
    neck=dict(in_channels=512, hid_channels=512, out_channels=128))

# The random-init reference of the DigitScenes linear probe: the same
# protocol on a frozen, randomly initialised ResNet-18 (seeded by the
# config's seed), the floor that MoCo-v2 pretraining must beat.
#   python tools/train.py configs/objcrop/<this file>
_base_ = ['./linear-probe_resnet18_1xb64-steplr-10e_digitscenes-64px.py']
pretrained = None
model = dict(backbone=dict(init_cfg={{_base_.random_init_cfg}}))
# Nothing to load, so nothing for PretrainedCheckHook to check.
custom_hooks = []

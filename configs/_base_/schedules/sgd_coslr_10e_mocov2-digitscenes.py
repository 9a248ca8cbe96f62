# The MoCo-v2 schedule shortened for DigitScenes on a CPU: 10 epochs of 46
# steps (batch 64), lr 0.03 for batch 64 (a few hundred steps instead of the
# paper's ~330k), cosine over the 10 epochs.
_base_ = ['./sgd_coslr_200e_mocov2.py']
max_epochs = 10
optim_wrapper = dict(optimizer=dict(lr=0.03))
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=64)

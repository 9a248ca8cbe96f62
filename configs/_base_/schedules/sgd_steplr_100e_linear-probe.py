# Linear-probe schedule of Object-aware cropping (the reference's
# main_lincls.py; docs/reference/object_aware_cropping.md (Linear-probe
# protocol)): SGD on the linear head only (the backbone is frozen), lr 30,
# momentum 0.9, no weight decay, x0.1 at epochs 60 and 80, 100 epochs,
# global batch 256. Evaluated every 10 epochs and at the end; report the
# last epoch (the reference picks the best epoch on the test set).
max_epochs = 100
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=30.0, momentum=0.9, weight_decay=0.0),
)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[60, 80], gamma=0.1)
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=256)

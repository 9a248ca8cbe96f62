# OASS stage 5 optimisation (ours, docs/reference/oass.md): 20 epochs at a
# global batch of 16 images (plus their instances), SGD with momentum 0.9
# and weight decay 1e-4, lr 0.01 for the backbone and 0.1 (x10) for the
# head, poly decay lr0 (1 - t / T)^0.9 per iteration.
max_epochs = 20
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'head.': dict(lr_mult=10)}))
param_scheduler = [
    dict(
        type='PuzzleCAMPolyLR',
        power=0.9,
        eta_min=0,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=max_epochs)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=16, enable=False)
custom_hooks = [dict(type='SplitHygieneHook')]

# OASS stage 1 optimisation, Puzzle-CAM's defaults: 15 epochs at a global
# batch of 32 (4 GPUs x 8), SGD with Nesterov, lr 0.1, weight decay 1e-4,
# poly decay (power 0.9) per iteration; lr x1 backbone weights (BN gamma
# too), x2 and no decay on backbone biases (BN beta), x10 head weights, x20
# and no decay on head biases (CAMHead has none). The last checkpoint is
# the result (no selection on the evaluation split).
# Momentum quirk: Puzzle-CAM's and IRNet's PolyOptimizer pass the weight
# decay into SGD's momentum slot, so their momentum is 1e-4 and their
# "momentum 0.9" is the poly power. Kept by default; set
# bug_compat_momentum = False in a leaf (and rebuild optim_wrapper) or pass
# --cfg-options optim_wrapper.optimizer.momentum=0.9 for real momentum.
bug_compat_momentum = True
max_epochs = 15
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='SGD',
        lr=0.1,
        momentum=1e-4 if bug_compat_momentum else 0.9,
        nesterov=True,
        weight_decay=1e-4),
    # The longest matching key wins: head biases, then every other bias
    # (the backbone's BN beta), then the rest of the head.
    paramwise_cfg=dict(
        custom_keys={
            'head.classifier.bias': dict(lr_mult=20, decay_mult=0),
            '.bias': dict(lr_mult=2, decay_mult=0),
            'head.': dict(lr_mult=10),
        }))
param_scheduler = [
    dict(
        type='PuzzleCAMPolyLR',  # lr0 (1 - t/T)^0.9 for t = 0..T-1
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
auto_scale_lr = dict(base_batch_size=32, enable=False)
custom_hooks = [
    dict(type='OASSProgressHook'),
    dict(type='SplitHygieneHook'),
]

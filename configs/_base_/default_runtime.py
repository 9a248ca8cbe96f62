# Runtime shared by every mmmlc config.
default_scope = 'mmmlc'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Keep the best checkpoint by mAP next to the last ones.
    # Atomic saves (temp file + rename), a free-space warning per epoch.
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=1,
        max_keep_ckpts=3,
        save_best='multi-label/mAP',
        rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False),
    # Stops before training / testing if the head's class count is not the
    # dataset's (a silent mismatch otherwise, or an index error in the loss).
    num_classes_check=dict(type='NumClassesCheckHook'),
    # Stops when a loaded checkpoint's class names/order or parameters do
    # not fit (remap_classes_by_name=True reorders a checkpoint by name).
    checkpoint_check=dict(type='CheckpointCheckHook'),
    # Under DDP, averages BN (and EMA) buffers over ranks before validation
    # and saving, so the validated model is the saved one.
    sync_buffers=dict(type='SyncModelBuffersHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo on machines without CUDA.
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='UniversalVisualizer', vis_backends=vis_backends)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=None, deterministic=False)

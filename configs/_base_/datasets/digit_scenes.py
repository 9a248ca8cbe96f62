# DigitScenes: the embedded dataset, built on first use into data_root from
# scikit-learn's digits and sample photos (no download). 10 classes, 4 scenes
# that decide label co-occurrence; 3,000 train / 1,000 val / 1,000 test
# images of 128 x 128 in VOC layout. No flips: a mirrored digit is another
# glyph.
dataset_type = 'DigitScenesDataset'
data_root = 'data/digit_scenes'
img_size = 128
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
             'scale_factor', 'gt_label_difficult')

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        difficult_as_positive=True,
        pipeline=train_pipeline),
)
# The train loader's settings with a larger batch and no shuffle.
val_dataloader = dict(
    train_dataloader,
    batch_size=64,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        test_mode=True,
        pipeline=test_pipeline),
)
# The val loader on the test split.
test_dataloader = dict(
    val_dataloader, dataset=dict(val_dataloader['dataset'], split='test'))
val_evaluator = dict(type='MLCMetric')
test_evaluator = val_evaluator

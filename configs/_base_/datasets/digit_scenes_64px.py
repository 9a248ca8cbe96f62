# DigitScenes (digit_scenes.py) with its 128 px images read at 64 px for
# training and test alike: what the quick start and the SALGL DigitScenes
# configs train on, to fit a few minutes on a CPU. No flips (a mirrored digit
# is another glyph).
_base_ = ['./digit_scenes.py']
img_size = 64
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
test_pipeline = train_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))

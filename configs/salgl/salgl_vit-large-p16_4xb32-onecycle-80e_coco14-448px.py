# SALGL, ViT-L/16 at 448 px on MS-COCO 2014 (paper mAP 87.6 with IN-1k
# fine-tuned weights, 90.1 with the IN-21k ones): the COCO 448 px recipe of
# salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py on the ViT-L/16 of
# ../_base_/models/salgl_vit-large-p16.py (CLS token kept, position
# embedding resized to 28 x 28; weights as a local file, see there).
_base_ = [
    '../_base_/datasets/coco14_448.py',
    '../_base_/models/salgl_vit-large-p16.py',
    '../_base_/schedules/salgl_adamw_onecycle_80e.py',
    '../_base_/pipelines/salgl_augmentation.py',
    '../_base_/default_runtime.py',
]
# The dataset's pipelines with the reference's PIL resize, and the recipe's
# augmentation before PackInputs.
train_pipeline = [
    _base_.train_pipeline[0], _base_.salgl_resize_448,
    *_base_.train_pipeline[2:-1], *_base_.salgl_augmentation_448,
    _base_.train_pipeline[-1]
]
test_pipeline = [
    _base_.test_pipeline[0], _base_.salgl_resize_448,
    _base_.test_pipeline[-1]
]
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

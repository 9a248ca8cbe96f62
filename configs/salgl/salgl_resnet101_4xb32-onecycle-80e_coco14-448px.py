# SALGL, ResNet-101 at 448 px on MS-COCO 2014: the released model (paper
# mAP 85.8; the reference's exp3, docs/reference/salgl.md, 'Training
# recipe'): K = 6 scenes, hard scene choice, out-messages, row-normalised
# transitions with the diagonal kept, T = 3, BERT label embeddings, ASL(0, 2,
# 0) x 1000/(B*C) + scene entropy + 100 x scene balance; AdamW 1e-4, wd
# 0.01, one-cycle 80 epochs, total batch 128 (4 GPUs x 32, as the
# third-party run that reached the paper's number), EMA decay 0.9997 of
# weights and buffers, evaluated on the EMA model. Train: Resize 448 -> flip
# -> Cutout (half the side) -> RandAugment (UDA's 15 ops, 2 per image, each
# with p 0.5, magnitude level uniform in [0, 9] of 10).
# Needs: the ImageNet ResNet-101 as a local file (see
# ../_base_/models/salgl_resnet101.py) and the label embeddings:
#   python tools/dataset_converters/label_embeddings.py \
#       data/label_embeddings/coco14_bert-base-uncased.npy \
#       --dataset-config configs/_base_/datasets/coco14_448.py \
#       --method bert --model <local bert-base-uncased folder>
_base_ = [
    '../_base_/datasets/coco14_448.py',
    '../_base_/models/salgl_resnet101.py',
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

# SALGL, ResNet-101 at 448 px on PASCAL VOC 2007 (trainval -> test; no
# released setting: the COCO 448 px recipe with K = 4, the reference's
# argparse default). Difficult objects count as positives in training, as
# the reference's voc2007.py writes them, and are ignored in evaluation
# (gt_label_difficult, VOC protocol; ../_base_/datasets/voc07_448.py).
# Embeddings (VOC names respelt as the reference: diningtable -> "dining
# table", ...):
#   python tools/dataset_converters/label_embeddings.py \
#       data/label_embeddings/voc07_bert-base-uncased.npy \
#       --dataset-config configs/_base_/datasets/voc07_448.py \
#       --method bert --model <local bert-base-uncased folder>
_base_ = [
    '../_base_/datasets/voc07_448.py',
    '../_base_/models/salgl_resnet101.py',
    '../_base_/schedules/salgl_adamw_onecycle_80e.py',
    '../_base_/pipelines/salgl_augmentation.py',
    '../_base_/default_runtime.py',
]
num_classes = 20
label_embedding_file = 'data/label_embeddings/voc07_bert-base-uncased.npy'
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    neck=dict(
        num_classes=num_classes,
        num_scenes=4,
        embedding_file=label_embedding_file),
    head=dict(num_classes=num_classes),
)
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

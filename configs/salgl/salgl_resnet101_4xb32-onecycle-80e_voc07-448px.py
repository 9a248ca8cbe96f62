# SALGL, ResNet-101 at 448 px on PASCAL VOC 2007 (trainval -> test; no
# released setting: the COCO 448 px recipe with K = 4, the reference's
# argparse default). Difficult objects count as positives in training, as
# the reference's voc2007.py writes them, and are ignored in evaluation
# (gt_label_difficult, VOC protocol). Embeddings (VOC names respelt as the
# reference: diningtable -> "dining table", ...):
#   python tools/dataset_converters/label_embeddings.py \
#       data/label_embeddings/voc07_bert-base-uncased.npy \
#       --dataset-config configs/_base_/datasets/voc07_448.py \
#       --method bert --model <local bert-base-uncased folder>
_base_ = ['./salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py']
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
img_size = 448
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit/VOC2007'
# gt_label_difficult must reach the metric.
meta_keys = ('sample_idx', 'img_path', 'ori_shape', 'img_shape',
             'scale_factor', 'flip', 'flip_direction', 'gt_label_difficult')
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Cutout', shape=img_size // 2, pad_val=128, prob=1.0),
    {{_base_.randaugment}},
    dict(type='PackInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='PackInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Main/trainval.txt',
        difficult_as_positive=True,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Main/test.txt',
        difficult_as_positive=False,
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader

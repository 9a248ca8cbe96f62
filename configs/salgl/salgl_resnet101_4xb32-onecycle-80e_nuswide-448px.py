# SALGL, ResNet-101 at 448 px on NUS-WIDE (81 concepts; authors' number
# 66.34 mAP, third-party retrain 66.24). K = 2 scenes (third-party config,
# low confidence), everything else as the COCO 448 px recipe. Embeddings:
#   python tools/dataset_converters/label_embeddings.py \
#       data/label_embeddings/nuswide_bert-base-uncased.npy \
#       --dataset-config configs/_base_/datasets/nuswide_448.py \
#       --method bert --model <local bert-base-uncased folder>
_base_ = ['./salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py']
num_classes = 81
label_embedding_file = 'data/label_embeddings/nuswide_bert-base-uncased.npy'
model = dict(
    data_preprocessor=dict(num_classes=num_classes),
    neck=dict(
        num_classes=num_classes,
        num_scenes=2,
        embedding_file=label_embedding_file),
    head=dict(num_classes=num_classes),
)
dataset_type = 'NUSWIDEDataset'
data_root = 'data/nus-wide'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageList/TrainImagelist.txt',
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageList/TestImagelist.txt',
        test_mode=True,
        pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader

# PASCAL VOC 2012 for OASS stage 5, Protocol A: train on train_aug (10,582)
# with each image's class-specific instances, evaluate on the segmentation
# val (1,449). Images: RandomResizedCrop 448 (scale 0.7-1.0) + flip;
# instances: the crop inside a CAM box, 224 x 224 + flip, up to 8 per image
# drawn by score (CSIDataset). Test: resize to 448 x 448. Splits and
# loaders are stage 1's (voc12_oass-512px.py).
# The labelled CAM boxes are made from the stage-1 checkpoint; leaves set
# train_dataloader.dataset.proposal_file (configs/oass/README.md, "Stage 5"):
#   python tools/oass/make_cams.py STAGE1_CONFIG STAGE1_CKPT --split train \
#       --out-dir work_dirs/oass_cams/voc12aug_train
#   python tools/oass/make_csi.py STAGE1_CONFIG \
#       work_dirs/oass_cams/voc12aug_train --split train \
#       --out work_dirs/oass_cams/voc12aug_train_boxes.npz
_base_ = ['./voc12_oass-512px.py']
img_size = 448
instance_size = 224
train_pipeline = [
    dict(type='RandomResizedCrop', scale=img_size,
         crop_ratio_range=(0.7, 1.0)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
instance_pipeline = [
    dict(type='Resize', scale=(instance_size, instance_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(img_size, img_size)),
    dict(type='PackInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(
    batch_size=4,
    collate_fn=dict(type='csi_collate'),
    dataset=dict(
        _delete_=True,
        type='CSIDataset',
        proposal_file=None,
        max_instances=8,
        instance_mode='crop',
        pipeline=train_pipeline,
        instance_pipeline=instance_pipeline,
        dataset=dict(
            type={{_base_.dataset_type}},
            data_root={{_base_.data_root}},
            ann_file='ImageSets/Segmentation/train_aug.txt',
            difficult_as_positive=True,
            pipeline=[dict(type='LoadImageFromFile')])),
)
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

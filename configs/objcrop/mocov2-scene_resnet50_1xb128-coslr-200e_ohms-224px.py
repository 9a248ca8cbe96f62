# MoCo-v2 Scene-Scene baseline on OpenImages OHMS (Object-aware cropping,
# Mishra et al. TMLR 2022, spec 4.1): two MoCo-v2 views of the whole image,
# 212,753 train images per epoch, 200 epochs, batch 128, lr 0.015, cosine.
#   python tools/train.py configs/objcrop/<this file>
# or with 4 GPUs x 32 (same global batch):
#   bash tools/dist_train.sh configs/objcrop/<this file> 4 \
#       --cfg-options train_dataloader.batch_size=32
# Then the linear probe: linear-probe_resnet50_8xb32-steplr-100e_ohms-224px.py.
_base_ = [
    '../_base_/models/mocov2_resnet50.py',
    '../_base_/schedules/sgd_coslr_200e_mocov2.py',
    '../_base_/default_runtime.py',
]
data_root = 'data/openimages'
view_size = 224

# MoCo-v2 "aug-plus" after the crop (spec 1), on BGR images as mmcv loads
# them: ColorJitter(0.4, 0.4, 0.4, 0.1) p=0.8, grayscale p=0.2, blur
# sigma ~ U[0.1, 2] p=0.5, horizontal flip p=0.5.
photometric = [
    dict(
        type='RandomApply',
        prob=0.8,
        transforms=[
            dict(
                type='ColorJitterFixedHue',
                brightness=0.4,
                contrast=0.4,
                saturation=0.4,
                hue=0.1)
        ]),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
    dict(
        type='GaussianBlur',
        magnitude_range=(0.1, 2.0),
        magnitude_std='inf',
        prob=0.5),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
]
# T_scene: RandomResizedCrop(224, scale (0.2, 1)), PIL bilinear.
t_scene = [
    dict(
        type='RandomResizedCrop',
        scale=view_size,
        crop_ratio_range=(0.2, 1.0),
        backend='pillow'),
    *photometric,
]
train_pipeline = [
    # Boxes and the reference use the stored frame (PIL, no EXIF rotation).
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(type='MultiView', num_views=2, transforms=[t_scene]),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=16,
    persistent_workers=True,
    pin_memory=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='OpenImagesOHMSDataset',
        data_root=data_root,
        ann_file='images_selected_new.npy',
        label_file='images_selected_new.npy',
        data_prefix=dict(img_path='all_images'),
        pipeline=train_pipeline),
)
# Self-supervised pretraining: no validation; keep the last checkpoints
# (the probe loads epoch_200.pth).
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=3, save_best=None))

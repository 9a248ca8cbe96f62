# OpenImages OHMS for MoCo-v2 pretraining (Object-aware cropping, Mishra et
# al. 2022): the 212,753 train images of images_selected_new.npy
# (labels unused), batch 128, dropping the last partial batch, no
# validation. The pipeline is Scene-Scene; a pretraining config sets another
# of ../pipelines/mocov2_views.py. Object boxes need
#   train_dataloader.dataset.box_file='images_selected_with_all_features.npy'
# (and image_sizes, a json {ImageID: [w, h]}, to skip reading 212k JPEG
# headers at start-up: mmmlc.datasets.openimages.read_image_sizes).
_base_ = ['../pipelines/mocov2_views.py']
data_root = 'data/openimages'
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
        pipeline={{_base_.scene_pipeline}}),
)

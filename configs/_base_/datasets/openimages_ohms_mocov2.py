# OpenImages OHMS for MoCo-v2 pretraining (Object-aware cropping, Mishra et
# al. 2022): the 212,753 train images of images_selected_new.npy (labels
# unused). Loader (batch 128) and the Scene-Scene pipeline come from
# ../pipelines/mocov2_views.py; a pretraining config sets another of its
# pipelines. Object boxes need
#   train_dataloader.dataset.box_file='images_selected_with_all_features.npy'
# (and image_sizes, a json {ImageID: [w, h]}, to skip reading 212k JPEG
# headers at start-up: mmmlc.datasets.openimages.read_image_sizes).
_base_ = ['../pipelines/mocov2_views.py']
data_root = 'data/openimages'
train_dataloader = dict(
    dataset=dict(
        type='OpenImagesOHMSDataset',
        data_root=data_root,
        ann_file='images_selected_new.npy',
        label_file='images_selected_new.npy',
        data_prefix=dict(img_path='all_images')))

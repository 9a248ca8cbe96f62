# NUS-WIDE, 81 concepts, official layout (Concepts81.txt, ImageList/,
# Groundtruth/AllLabels/, images under Flickr/); images without a positive
# concept are dropped. 448 x 448.
_base_ = ['./loaders_448.py']
dataset_type = 'NUSWIDEDataset'
data_root = 'data/nus-wide'
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageList/TrainImagelist.txt'))
# The train dataset on the test split.
val_dataloader = dict(
    dataset=dict(
        train_dataloader['dataset'], ann_file='ImageList/TestImagelist.txt'))
test_dataloader = val_dataloader

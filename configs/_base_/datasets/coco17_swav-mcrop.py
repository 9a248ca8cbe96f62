# SwAV / GAELLE multi-crop pretraining data on MS-COCO 2017 train (118,287
# images, flat list, labels unused); otherwise as coco14_swav-mcrop.py.
# COCO-2017 train holds about 35.5k of the val2014 images that the COCO
# linear probe tests on (docs/reference/gaelle.md, "Reported numbers").
_base_ = ['./coco14_swav-mcrop.py']
train_dataloader = dict(dataset=dict(data_prefix='train2017'))

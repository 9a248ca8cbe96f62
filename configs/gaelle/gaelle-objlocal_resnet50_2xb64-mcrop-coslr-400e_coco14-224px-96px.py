# An mmmlc option, not in the paper: GAELLE with OBJECT-AWARE LOCAL CROPS.
# The six 96-px crops (scale 0.05-0.14 of the image, as SwAV) are centred on
# a point inside a ground-truth box (one box drawn per crop), so they show
# objects rather than random background; the two 224-px crops are SwAV's.
# Images without annotations (702 of 82,783) get SwAV's plain local crops
# (counted and logged). For unsupervised boxes use a proposals file instead
# (LoadProposals after LoadImageFromFile, box_key='proposals'; see
# configs/objcrop/mocov2-objobj-dilate0.2-proposals_*.py).
#   bash tools/dist_train.sh configs/gaelle/<this file> 2 --amp
_base_ = ['./gaelle_resnet50_2xb64-mcrop-coslr-400e_coco14-224px-96px.py']
data_root = 'data/coco'
object_local_view = [
    dict(
        type='BoxAwareRandomResizedCrop',
        scale=96,
        crop_ratio_range=(0.05, 0.14),
        box_key='gt_bboxes'),
    dict(type='Compose', transforms={{_base_.swav_photometric}}),
]
train_pipeline = [
    # COCO boxes are in the stored frame (no EXIF rotation).
    dict(type='LoadImageFromFile', color_type='color_ignore_orientation'),
    dict(
        type='MultiView',
        num_views=[2, 6],
        transforms=[{{_base_.global_view}}, object_local_view]),
    dict(type='PackInputs'),
]
# The box-aware crops need the COCO annotations: a COCODataset replaces the
# flat image list, and `_delete_` is how mmengine replaces a dict whose keys
# (CustomDataset's `with_label`, a string `data_prefix`) the new type does
# not take.
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='COCODataset',
        data_root=data_root,
        ann_file='annotations/instances_train2014.json',
        data_prefix=dict(img_path='train2014'),
        # All 82,783 images, as the plain config reads them.
        drop_empty=False,
        pipeline=train_pipeline))

# GAELLE on DigitScenes with OBJECT-AWARE LOCAL CROPS (an mmmlc option, not
# in the paper): the six 32-px crops are centred on a point of a
# ground-truth digit box (one box drawn per crop); everything else as the
# GAELLE DigitScenes config (same steps).
#   python tools/train.py configs/gaelle/<this file>
_base_ = ['./gaelle_resnet18_1xb64-mcrop-coslr-5e_digitscenes-64px-32px.py']
object_local_view = [
    dict(
        type='BoxAwareRandomResizedCrop',
        scale={{_base_.local_size}},
        crop_ratio_range=(0.05, 0.14),
        box_key='gt_bboxes'),
    dict(type='Compose', transforms={{_base_.swav_photometric}}),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiView',
        num_views=[2, 6],
        transforms=[{{_base_.global_view}}, object_local_view]),
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# MoCo-v2 Object-Object+Dilate 0.2 on MS-COCO 2014 train with unsupervised
# box PROPOSALS instead of annotations: the 10 best proposals per image (the
# reference kept 10 BING boxes per image), one drawn per visit. Write the
# proposals file first (selective search, resumable):
#   python tools/proposals/selective_search.py data/coco/train2014 \
#       data/coco/proposals/train2014_ss_top10.npz --workers 16 --top-k 10
# (or --bing MODEL_DIR for BING); it is keyed by the image's file name.
# An image missing from the file is an error (on_missing='fallback' logs
# and uses a scene crop instead).
_base_ = ['./mocov2-objobj-dilate0.2-gt_resnet50_1xb128-coslr-200e_coco14-224px.py']
proposal_file = 'data/coco/proposals/train2014_ss_top10.npz'
train_pipeline = [
    _base_.load,
    dict(
        type='LoadProposals',
        proposal_file=proposal_file,
        key='filename',
        top_k=10,
        on_missing='error',
        on_invalid='error'),
    dict(type='SelectObjectBox', box_source='proposals'),
    # MultiView of the object and dilated crops, view swap, packing.
    *_base_.objobj_pipeline[2:],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# Paper reproduction of Object-aware cropping's OHMS run (the reference's
# README command, whose `--bing_crops` reads GROUND-TRUTH boxes): MoCo-v2
# Object-Object+Dilate 0.2, one sample per object, the reference's crop
# arithmetic (docs/reference/object_aware_cropping.md (Crop arithmetic):
# origin-scaled unclipped dilation, black padding outside the image, the
# 224-px expansion cases, T_obj scale (0, 1)), 200 epochs.
# Paper: 58.6 linear-probe mAP (the batch-averaged ref-batch-mAP_B256) vs
# 49.8 for the scene baseline.
_base_ = [
    './mocov2-objobj-dilate0.2-perobject_resnet50_1xb128-coslr-200e_ohms-224px.py'
]
train_dataloader = dict(
    dataset=dict(dataset=dict(pipeline={{_base_.objobj_faithful_pipeline}})))

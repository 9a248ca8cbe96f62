# MoCo-v2 Object-Object+Dilate 0.2 on OpenImages OHMS with ground-truth
# boxes (Object-aware cropping, Mishra et al. TMLR 2022; the
# paper's "ours", 58.6 mAP): view A = T_obj(object crop), view B =
# T_scene(crop dilated by 0.2), in random order (first = query).
# Per-image unit: every visit of an image draws one of its boxes, so an
# epoch has the scene baseline's steps. Clean crop arithmetic. The
# reference's unit is ...-perobject_...; the paper reproduction (per object,
# the reference's crop arithmetic) is ...-faithful_....
_base_ = [
    '../_base_/models/mocov2_resnet50.py',
    '../_base_/datasets/openimages_ohms_mocov2.py',
    '../_base_/schedules/sgd_coslr_200e_mocov2.py',
    '../_base_/default_runtime.py',
]
train_dataloader = dict(
    dataset=dict(
        box_file='images_selected_with_all_features.npy',
        image_sizes=None,
        pipeline={{_base_.objobj_pipeline}}))
# No validation; keep the last checkpoints (the probe loads epoch_200.pth).
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=3, save_best=None))

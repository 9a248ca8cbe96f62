# GAELLE (Chen & Yeh, ICMR 2024) as its reference code builds it
# (docs/reference/gaelle.md, "Architecture" and "Training recipe"):
# ResNet-50 (torchvision layout, zero_init_residual=False, SyncBN),
# GAELLENeck (projection head g 2048 -> 2048 -> 128 shared by the global
# embedding and the per-position semantic attention, G = 4 groups -> M = 32
# local slots, local head h 2048 -> 2048 -> 128), GAELLEHead (3000 global,
# 3000 local and 3000 local->global prototypes, tau 0.1, Sinkhorn 3
# iterations with eps 0.05, codes of crops 0 and 1, loss (L_glb + L_loc +
# L_l2g) / 3, the reference's detached L2G input). The schedule hooks
# (queue from epoch 7, prototypes frozen for 5005 iterations) are in
# configs/_base_/schedules/gaelle_lars_coslr_400e.py. Normalisation: SwAV's
# mean (0.485, 0.456, 0.406) and std (0.228, 0.224, 0.225) x 255, std[0] =
# 0.228 being SwAV's typo kept for fidelity.
model = dict(
    type='GAELLE',
    data_preprocessor=dict(
        # mmpretrain's SelfSupDataPreprocessor minus its per-view host copy.
        type='MultiViewDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.14, 57.12, 57.375],
        to_rgb=True,
        # With pin_memory in the loader the host-to-GPU copy is async.
        non_blocking=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        out_indices=(3, ),
        norm_cfg=dict(type='SyncBN'),
        zero_init_residual=False),
    neck=dict(
        type='GAELLENeck',
        in_channels=2048,
        hid_channels=2048,
        out_channels=128,
        local_out_channels=128,
        nmb_groups_heads=4,
        attn_temperature=1.0,
        position_wise_bn=True,
        with_local=True,
        sync_bn=True),
    head=dict(
        type='GAELLEHead',
        feat_dim=128,
        local_feat_dim=128,
        num_prototypes=3000,
        num_local_prototypes=3000,
        num_crops=[2, 6],  # must match the pipeline's MultiView num_views
        crops_for_assign=[0, 1],
        temperature=0.1,
        epsilon=0.05,
        sinkhorn_iterations=3,
        global_weight=1 / 3,
        local_weight=1 / 3,
        l2g_weight=1 / 3,
        l2g_detach=True,
        shuffle_local=True),
)

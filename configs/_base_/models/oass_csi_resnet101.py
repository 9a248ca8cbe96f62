# OASS stage 5 (docs/methods/oass.md, "Stage 5"): the stage-1 network
# (ResNet-101 at output stride 16 + CAMHead), initialised from the stage-1
# checkpoint, trained on images and their class-specific instances (CSI):
# L_img + L_inst (class-masked) + L_mil (max over the bag), weights 1 / 1.
# Test: one 448 forward; fusion 'max' / 'mean' add CSI cut from the CAM
# boxes of the same pass, 'global' scores the image alone. Leaves set
# model.init_cfg.checkpoint to their stage-1 checkpoint.
num_classes = 20
model = dict(
    type='CSIMILClassifier',
    data_preprocessor=dict(
        type='CSIDataPreprocessor',
        num_classes=num_classes,
        to_onehot=True,
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True,
    ),
    backbone=dict(
        type='ResNet',
        depth=101,
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 1),
        out_indices=(3, ),
        style='pytorch',
        init_cfg=None),  # all weights come from the stage-1 checkpoint
    head=dict(type='CAMHead', num_classes=num_classes, in_channels=2048),
    fusion='max',       # 'global' | 'max' | 'mean'
    inst_weight=1.0,    # lambda_inst
    mil_weight=1.0,     # lambda_mil
    instance_size=224,  # test-time CSI side (training: instance pipeline)
    keep_thr=0.5,       # test-time class set K = {sigma >= 0.5} U {argmax}
    # CAM boxes as in stage 3 (tools/oass/make_csi.py's defaults)
    box_cfg=dict(thr=0.2, min_area=0.01, top_k=3, margin=0.1, nms_iou=0.7),
    init_cfg=dict(type='Pretrained', checkpoint=None),
)

# SALGL, ViT-L/16 at 448 px on MS-COCO 2014 (paper mAP 87.6 with IN-1k
# fine-tuned weights, 90.1 with the IN-21k ones; the reference's exp1:
# nothing but S = 448 and D = 1024 was released, so the ResNet-101 recipe
# otherwise).
# Backbone: mmpretrain's VisionTransformer, arch 'large' (D = 1024, 24
# layers). The neck gets all tokens after the final LayerNorm with the CLS
# token INCLUDED (out_type='raw', with_cls_token=True): N = (448/16)^2 + 1 =
# 785 tokens of 1024, taken as they are (no sine position encoding: the
# ViT has its own). The 224 px checkpoint's 14 x 14 position embedding is
# resized bicubically to 28 x 28 when loaded (mmpretrain's
# _prepare_pos_embed with interpolate_mode='bicubic', the CLS position kept
# apart), as the reference's timm loader does. Inputs keep the ImageNet
# mean/std of the data preprocessor, as the reference (not the 0.5/0.5 the
# ViT weights were trained with). The weights are a LOCAL mmpretrain-layout
# file of timm's vit_large_patch16_224 (IN-21k pre-trained, IN-1k
# fine-tuned; key mapping in tools/model_converters/
# salgl_official_to_mmmlc.py's docstring).
_base_ = ['./salgl_resnet101_4xb32-onecycle-80e_coco14-448px.py']
pretrained = 'checkpoints/vit-large-p16_in21k-pre_in1k-224px_mmpretrain.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='VisionTransformer',
        arch='large',
        img_size=448,
        patch_size=16,
        out_type='raw',
        with_cls_token=True,
        final_norm=True,
        interpolate_mode='bicubic',
        drop_path_rate=0.0,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=1024),
    head=dict(in_channels=1024),
)

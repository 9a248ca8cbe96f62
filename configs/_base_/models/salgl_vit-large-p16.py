# SALGL (salgl.py) on ViT-L/16 at 448 x 448 (the reference's exp1: nothing
# but the input size and D = 1024 was released, so the ResNet-101 model
# otherwise; docs/reference/salgl.md, 'Training recipe').
# mmpretrain's VisionTransformer, arch 'large' (D = 1024, 24 layers). The
# neck gets all tokens after the final LayerNorm with the CLS token INCLUDED
# (out_type='raw', with_cls_token=True): N = (448/16)^2 + 1 = 785 tokens of
# 1024, taken as they are (no sine position encoding: the ViT has its own).
# The 224 px checkpoint's 14 x 14 position embedding is resized bicubically
# to 28 x 28 when loaded (mmpretrain's _prepare_pos_embed with
# interpolate_mode='bicubic', the CLS position kept apart), as the
# reference's timm loader does. Inputs keep the ImageNet mean/std of the data
# preprocessor, as the reference (not the 0.5/0.5 the ViT weights were
# trained with). The weights are a LOCAL mmpretrain-layout file of timm's
# vit_large_patch16_224 (IN-21k pre-trained, IN-1k fine-tuned; key mapping in
# tools/model_converters/salgl_official_to_mmmlc.py's docstring).
_base_ = ['./salgl.py']
label_embedding_file = 'data/label_embeddings/coco14_bert-base-uncased.npy'
pretrained = 'checkpoints/vit-large-p16_in21k-pre_in1k-224px_mmpretrain.pth'
model = dict(
    backbone=dict(
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
    neck=dict(embedding_file=label_embedding_file, in_channels=1024),
    head=dict(in_channels=1024),
)

# SALGL (salgl.py) on ResNet-101, the released COCO-2014 model: at 448 x 448
# the last stage gives 14 x 14 = 196 tokens of 2048 channels.
# The backbone starts from ImageNet weights given as a LOCAL file (nothing
# downloads): convert torchvision's resnet101 with
#   python tools/model_converters/torchvision_resnet_to_mmpretrain.py \
#       resnet101-63fe2227.pth checkpoints/resnet101_tv_mmpretrain.pth
# (the reference used torchvision's v1 weights, resnet101-5d3b4d8f.pth).
_base_ = ['./salgl.py']
label_embedding_file = 'data/label_embeddings/coco14_bert-base-uncased.npy'
pretrained = 'checkpoints/resnet101_tv_mmpretrain.pth'
model = dict(
    backbone=dict(
        type='ResNet',
        depth=101,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch',
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(embedding_file=label_embedding_file, in_channels=2048),
    head=dict(in_channels=2048),
)

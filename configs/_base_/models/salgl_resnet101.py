# SALGL (salgl.py) on ResNet-101 (resnet101_backbone.py: ImageNet weights as
# a local file, see there), the released COCO-2014 model: at 448 x 448 the
# last stage gives 14 x 14 = 196 tokens of 2048 channels. The reference used
# torchvision's v1 weights, resnet101-5d3b4d8f.pth.
_base_ = ['./salgl.py', './resnet101_backbone.py']
label_embedding_file = 'data/label_embeddings/coco14_bert-base-uncased.npy'
model = dict(
    backbone=_base_.resnet101_backbone,
    neck=dict(embedding_file=label_embedding_file, in_channels=2048),
    head=dict(in_channels=2048),
)

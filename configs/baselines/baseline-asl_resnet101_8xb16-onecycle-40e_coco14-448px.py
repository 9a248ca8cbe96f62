# ResNet-101 + multi-label linear head, Asymmetric Loss (Ridnik et al.,
# ICCV'21: gamma- 4, gamma+ 0, clip 0.05), COCO 2014 at 448 x 448.
# mmpretrain's AsymmetricLoss averages over elements where the paper sums;
# with AdamW the scale does not change the update direction.
_base_ = ['./baseline-bce_resnet101_8xb16-onecycle-40e_coco14-448px.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='AsymmetricLoss',
            gamma_pos=0.0,
            gamma_neg=4.0,
            clip=0.05,
            use_sigmoid=True,
            loss_weight=1.0)))

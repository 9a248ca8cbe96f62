# ResNet-101 + multi-label linear head, Asymmetric Loss (gamma- 4, gamma+ 0,
# clip 0.05), VOC 2007 at 448 x 448.
_base_ = ['./baseline-bce_resnet101_8xb16-onecycle-40e_voc07-448px.py']
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

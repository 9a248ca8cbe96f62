# resnet101_multilabel.py with the Asymmetric Loss (Ridnik et al., "Asymmetric
# Loss For Multi-Label Classification", ICCV 2021) at the paper's gamma- 4,
# gamma+ 0 and probability margin (clip) 0.05. mmpretrain's
# AsymmetricLoss averages over elements where the paper sums; with AdamW the
# scale does not change the update direction.
_base_ = ['./resnet101_multilabel.py']
model = dict(
    head=dict(
        loss=dict(
            type='AsymmetricLoss',
            gamma_pos=0.0,
            gamma_neg=4.0,
            clip=0.05,
            use_sigmoid=True,
            loss_weight=1.0)))

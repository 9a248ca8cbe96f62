"""MaskedMultiLabelLinearClsHead: difficult-only labels leave the loss."""
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.registry import MODELS


def _head(**kwargs):
    init_default_scope('mmmlc')
    cfg = dict(
        type='MaskedMultiLabelLinearClsHead',
        num_classes=4,
        in_channels=3,
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _samples():
    a = DataSample().set_gt_label([0]).set_gt_score(
        torch.tensor([1., 0., 0., 0.]))
    a.set_metainfo(dict(gt_label_difficult=[2, 0]))  # 0 is also positive
    b = DataSample().set_gt_label([1, 3]).set_gt_score(
        torch.tensor([0., 1., 0., 1.]))
    b.set_metainfo(dict(gt_label_difficult=[]))
    return [a, b]


def test_loss_ignores_difficult_only_entries_by_hand():
    torch.manual_seed(0)
    head = _head()
    feats = torch.randn(2, 3)
    samples = _samples()
    loss = head.loss((feats, ), samples)['loss']
    logits = head.fc(feats)
    target = torch.stack([s.gt_score for s in samples])
    elementwise = F.binary_cross_entropy_with_logits(
        logits, target, reduction='none')
    # Image a: class 2 is difficult-only and leaves the loss; class 0 is
    # both positive and difficult and stays positive.
    expected = (elementwise.sum() - elementwise[0, 2]) / 2
    torch.testing.assert_close(loss, expected)
    mask = head.ignore_mask(samples, 4, torch.device('cpu'))
    assert mask.tolist() == [[1, 1, 0, 1], [1, 1, 1, 1]]


def test_gradient_of_ignored_entry_is_zero():
    head = _head()
    feats = torch.randn(2, 3)
    logits = head.fc(feats).detach().requires_grad_()
    head._get_loss(logits, _samples())['loss'].backward()
    assert logits.grad[0, 2] == 0
    assert (logits.grad[0, [0, 1, 3]] != 0).all()


def test_equals_mmpretrain_head_without_difficult_labels():
    torch.manual_seed(0)
    ours = _head(loss=dict(
        type='CrossEntropyLoss', use_sigmoid=True, loss_weight=0.25))
    theirs = MODELS.build(
        dict(
            type='MultiLabelLinearClsHead',
            num_classes=4,
            in_channels=3,
            loss=dict(
                type='CrossEntropyLoss', use_sigmoid=True, loss_weight=0.25)))
    theirs.load_state_dict(ours.state_dict())
    feats = torch.randn(5, 3)
    samples = [DataSample().set_gt_label([i % 4]) for i in range(5)]
    torch.testing.assert_close(
        ours.loss((feats, ), samples)['loss'],
        theirs.loss((feats, ), samples)['loss'])

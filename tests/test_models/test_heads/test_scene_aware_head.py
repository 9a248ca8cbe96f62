"""PerClassLinearHead / SceneAwarePerClassHead: logits, losses, checks."""
import pytest
import torch
from mmpretrain.structures import DataSample

import mmmlc  # noqa: F401
from mmmlc.models.heads import PerClassLinearHead, SceneAwarePerClassHead
from mmmlc.models.losses import (batch_scene_balance, sample_scene_entropy,
                                 scaled_asymmetric_loss)


def _samples(targets):
    return [DataSample().set_gt_score(t) for t in targets]


def test_per_class_logits_are_one_classifier_per_class():
    torch.manual_seed(0)
    head = PerClassLinearHead(num_classes=3, in_channels=4)
    feats = torch.randn(2, 3, 4)
    expected = torch.stack([
        torch.stack([feats[b, c] @ head.weight[c] + head.bias[c]
                     for c in range(3)]) for b in range(2)
    ])
    torch.testing.assert_close(head((feats, )), expected)
    bound = 1 / 2  # 1/sqrt(D)
    assert head.weight.abs().max() <= bound and head.bias.abs().max() <= bound


def test_scene_aware_loss_is_asl_plus_two_terms():
    torch.manual_seed(0)
    head = SceneAwarePerClassHead(num_classes=3, in_channels=4)
    probs = torch.softmax(torch.randn(2, 2), -1)
    feats = (probs, torch.randn(2, 3, 4))
    targets = torch.tensor([[1., 0, 1], [0, 1, 0]])
    losses = head.loss(feats, _samples(targets))
    assert set(losses) == {
        'loss_cls', 'loss_scene_entropy', 'loss_scene_balance'
    }
    torch.testing.assert_close(losses['loss_cls'],
                               scaled_asymmetric_loss(head(feats), targets))
    torch.testing.assert_close(losses['loss_scene_entropy'],
                               sample_scene_entropy(probs))
    torch.testing.assert_close(losses['loss_scene_balance'],
                               batch_scene_balance(probs))
    # gt_label indices give the same targets as gt_score rows.
    by_label = [DataSample().set_gt_label([0, 2]),
                DataSample().set_gt_label([1])]
    torch.testing.assert_close(head.loss(feats, by_label)['loss_cls'],
                               losses['loss_cls'])
    no_scene = SceneAwarePerClassHead(
        3, 4, scene_entropy_loss=None, scene_balance_loss=None)
    assert set(no_scene.loss(feats, _samples(targets))) == {'loss_cls'}


def test_predict_stores_scene():
    head = SceneAwarePerClassHead(num_classes=3, in_channels=4)
    probs = torch.tensor([[.2, .8], [.9, .1]])
    preds = head.predict((probs, torch.randn(2, 3, 4)))
    assert [int(p.pred_scene) for p in preds] == [1, 0]
    torch.testing.assert_close(preds[0].scene_score, probs[0])
    assert preds[0].pred_score.shape == (3, )
    with pytest.raises(TypeError, match='scene_probs'):
        head.predict(torch.randn(2, 3, 4))


def test_checkpoint_with_other_number_of_classes():
    state = PerClassLinearHead(num_classes=5, in_channels=4).state_dict()
    head = SceneAwarePerClassHead(num_classes=3, in_channels=4)
    with pytest.raises(ValueError,
                       match='num_classes=5 in the checkpoint but 3'):
        head.load_state_dict(state, strict=False)

"""OASS stage 5 losses and fusion: class-masked instance targets, the MIL
bag max, hand-computed loss values (docs/reference/oass.md, fidelity 10,
11)."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmmlc.models.utils.csi_mil import (bag_logits, csi_losses, fuse_scores,
                                        instance_targets)

VOC = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat',
       'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person',
       'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')
DOG, PERSON = VOC.index('dog'), VOC.index('person')


def softplus(x):
    return math.log1p(math.exp(x))


def test_instance_masking_dog_person():
    """Fidelity 10: y = {dog, person}, an instance from dog's CAM."""
    labels = torch.zeros(1, 20)
    labels[0, [DOG, PERSON]] = 1
    bag, inst_label = torch.tensor([0]), torch.tensor([DOG])
    targets, weights = instance_targets(labels, bag, inst_label)
    assert targets[0, DOG] == 1 and targets.sum() == 1
    assert weights[0, PERSON] == 0 and weights.sum() == 19
    others = [j for j in range(20) if j not in (DOG, PERSON)]
    assert len(others) == 18
    assert (targets[0, others] == 0).all() and (weights[0, others] == 1).all()

    inst_logits = torch.randn(1, 20, generator=torch.Generator().manual_seed(
        0)).requires_grad_()
    # the image's person logit beats the instance's: the MIL max does not
    # route person's gradient to the instance either
    image_logits = torch.full((1, 20), -1.0)
    image_logits[0, PERSON] = 10.0
    image_logits.requires_grad_()
    losses = csi_losses(image_logits, inst_logits, labels, bag, inst_label)
    grad = torch.autograd.grad(losses['loss_inst'], inst_logits,
                               retain_graph=True)[0]
    assert grad[0, PERSON].item() == 0.0
    assert (grad[0, others] != 0).all() and grad[0, DOG] < 0
    total = sum(losses.values())
    grad_total = torch.autograd.grad(total, inst_logits)[0]
    assert grad_total[0, PERSON].item() == 0.0


def test_losses_hand_computed():
    """B = 2, C = 3; three instances with hand-computed loss values."""
    image = torch.tensor([[1.0, -2.0, 0.5], [0.0, 2.0, -1.0]])
    labels = torch.tensor([[1., 1., 0.], [0., 1., 0.]])
    inst = torch.tensor([[2.0, 3.0, 1.0],    # image 0, class 0
                         [-1.0, 0.0, -3.0],  # image 0, class 1
                         [0.5, 1.0, 2.5]])   # image 1, class 1
    bag, cls = torch.tensor([0, 0, 1]), torch.tensor([0, 1, 1])
    losses = csi_losses(image, inst, labels, bag, cls)

    def bce(z, y):
        return softplus(-z) if y else softplus(z)

    img = sum(bce(image[b, c].item(), labels[b, c].item())
              for b in range(2) for c in range(3)) / 6
    assert losses['loss_img'].item() == pytest.approx(img, rel=1e-6)
    # kept entries: inst 0 -> class 0 (1), class 2 (0); inst 1 -> class 1
    # (1), class 2 (0); inst 2 -> class 1 (1), classes 0 and 2 (0)
    kept = [bce(2.0, 1), bce(1.0, 0), bce(0.0, 1), bce(-3.0, 0),
            bce(1.0, 1), bce(0.5, 0), bce(2.5, 0)]
    assert losses['loss_inst'].item() == pytest.approx(
        sum(kept) / 7, rel=1e-6)
    # bag max logits: image 0 -> [2, 3, 1], image 1 -> [0.5, 2, 2.5]
    bag_max = [[2.0, 3.0, 1.0], [0.5, 2.0, 2.5]]
    mil = sum(bce(bag_max[b][c], labels[b, c].item())
              for b in range(2) for c in range(3)) / 6
    assert losses['loss_mil'].item() == pytest.approx(mil, rel=1e-6)


def test_no_instances():
    image = torch.tensor([[1.0, -1.0]], requires_grad=True)
    labels = torch.tensor([[1., 0.]])
    losses = csi_losses(image, image[:0], labels, torch.zeros(0, dtype=int),
                        torch.zeros(0, dtype=int))
    assert losses['loss_inst'].item() == 0.0
    assert losses['loss_mil'].item() == pytest.approx(
        losses['loss_img'].item())


def test_mil_max_and_argmax_gradient():
    """Fidelity 11: bag score >= every member's, gradient only to the
    arg-max member of each (image, class)."""
    gen = torch.Generator().manual_seed(3)
    b, c, n = 4, 6, 11
    image = torch.randn(b, c, generator=gen).requires_grad_()
    inst = torch.randn(n, c, generator=gen).requires_grad_()
    bag = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 0, 1])  # image 3: none
    labels = (torch.rand(b, c, generator=gen) < 0.5).float()
    scores = bag_logits(image, inst, bag).sigmoid()
    assert (scores >= image.sigmoid()).all()
    for i in range(n):
        assert (scores[bag[i]] >= inst[i].sigmoid()).all()
    loss = csi_losses(image, inst, labels, bag, torch.zeros(n, dtype=int))
    g_img, g_inst = torch.autograd.grad(loss['loss_mil'], [image, inst])
    for j in range(b):
        members = torch.cat([image[j:j + 1], inst[bag == j]]).detach()
        grads = torch.cat([g_img[j:j + 1], g_inst[bag == j]])
        winner = members.argmax(0)
        for k in range(c):
            nonzero = torch.nonzero(grads[:, k]).flatten().tolist()
            assert nonzero == [winner[k].item()]
    assert (g_img[3] != 0).all()  # a bag of the image alone


@pytest.mark.parametrize('fusion', ['global', 'max', 'mean'])
def test_fusion_values(fusion):
    lg = torch.logit
    image = lg(torch.tensor([[0.2, 0.6, 0.1], [0.9, 0.3, 0.4]]))
    inst = lg(torch.tensor([[0.7, 0.5, 0.05],    # image 0, class 0
                            [0.1, 0.8, 0.3],     # image 0, class 1
                            [0.4, 0.2, 0.6]]))   # image 1, class 2
    bag, cls = torch.tensor([0, 0, 1]), torch.tensor([0, 1, 2])
    scores = fuse_scores(image, inst, bag, cls, fusion)
    expected = dict(
        global_=[[0.2, 0.6, 0.1], [0.9, 0.3, 0.4]],
        max=[[0.7, 0.8, 0.3], [0.9, 0.3, 0.6]],
        # class j: mean of the image and the image's class-j instances
        mean=[[(0.2 + 0.7) / 2, (0.6 + 0.8) / 2, 0.1],
              [0.9, 0.3, (0.4 + 0.6) / 2]])
    key = 'global_' if fusion == 'global' else fusion
    assert torch.allclose(scores, torch.tensor(expected[key]), atol=1e-6)


def test_fusion_rejects_unknown():
    with pytest.raises(ValueError, match='fusion'):
        fuse_scores(torch.zeros(1, 2), torch.zeros(0, 2),
                    torch.zeros(0, dtype=int), torch.zeros(0, dtype=int),
                    'sum')


def test_masked_entries_match_bce():
    """L_inst equals F.binary_cross_entropy_with_logits over kept entries."""
    gen = torch.Generator().manual_seed(1)
    labels = (torch.rand(3, 5, generator=gen) < 0.5).float()
    labels[:, 0] = 1
    inst = torch.randn(7, 5, generator=gen)
    bag = torch.tensor([0, 0, 1, 1, 1, 2, 2])
    cls = torch.zeros(7, dtype=torch.long)
    targets, weights = instance_targets(labels, bag, cls)
    loss = csi_losses(torch.zeros(3, 5), inst, labels, bag, cls)['loss_inst']
    keep = weights.bool()
    ref = F.binary_cross_entropy_with_logits(inst[keep], targets[keep])
    assert loss.item() == pytest.approx(ref.item(), rel=1e-6)

"""Losses and score fusion of OASS stage 5: class-specific instances (CSI).

docs/reference/oass.md ("Class-specific instances and MIL training"). A
batch holds B images and N instances (the crops of all images,
flattened); ``bag_index`` ``(N,)`` maps an instance to its image and
``instance_labels`` ``(N,)`` to the class whose CAM gave its box. Nothing
here loops over images or instances.
"""
from typing import Tuple

import torch
import torch.nn.functional as F

from .oa_tiling import multilabel_soft_margin

FUSIONS = ('global', 'max', 'mean')


def instance_targets(labels: torch.Tensor, bag_index: torch.Tensor,
                     instance_labels: torch.Tensor
                     ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Class-masked targets of the instances.

    Instance ``i`` from class ``c_i``'s CAM: target 1 for ``c_i``, 0 for
    every class the image lacks, ignored (weight 0) for the image's other
    positive classes, which may or may not appear in the crop.

    Args:
        labels (torch.Tensor): Multi-hot image labels ``(B, C)``.
        bag_index (torch.Tensor): ``(N,)`` image of each instance.
        instance_labels (torch.Tensor): ``(N,)`` class of each instance.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``targets`` and ``weights``,
        ``(N, C)`` each, in {0, 1}.
    """
    num_classes = labels.shape[1]
    own = F.one_hot(instance_labels.long(), num_classes).to(labels.dtype)
    negatives = 1 - labels[bag_index.long()]
    return own, (negatives + own).clamp(max=1)


def bag_logits(image_logits: torch.Tensor, instance_logits: torch.Tensor,
               bag_index: torch.Tensor) -> torch.Tensor:
    r"""Per-class maximum logit over each bag {image, its instances}.

    As the sigmoid is increasing, :math:`\sigma(\max_i z_j(x_i)) =
    \max_i \sigma(z_j(x_i))`, the MIL bag score; taking the max of the
    logits keeps the BCE in logit form (stable, autocast-safe). The
    gradient of a max reaches only the arg-max member (split evenly on
    exact ties).

    Args:
        image_logits (torch.Tensor): ``(B, C)``.
        instance_logits (torch.Tensor): ``(N, C)``.
        bag_index (torch.Tensor): ``(N,)`` in ``[0, B)``.

    Returns:
        torch.Tensor: ``(B, C)``.
    """
    index = bag_index.long()[:, None].expand_as(instance_logits)
    return image_logits.scatter_reduce(
        0, index, instance_logits.to(image_logits.dtype), reduce='amax',
        include_self=True)


def csi_losses(image_logits: torch.Tensor, instance_logits: torch.Tensor,
               labels: torch.Tensor, bag_index: torch.Tensor,
               instance_labels: torch.Tensor) -> dict:
    r"""The three stage-5 losses (unweighted).

    - :math:`L_{img} = \ell_{ML}(z(I), y)`;
    - :math:`L_{inst}`: BCE of the instance logits against
      :func:`instance_targets`, averaged over the kept entries (0 with no
      instance);
    - :math:`L_{mil} = \mathrm{BCE}(\hat p, y)` with :math:`\hat p_j =
      \max_{x \in \text{bag}} \sigma(z_j(x))` (:func:`bag_logits`),
      averaged over images and classes.

    Args:
        image_logits (torch.Tensor): ``(B, C)``.
        instance_logits (torch.Tensor): ``(N, C)``, N may be 0.
        labels (torch.Tensor): Multi-hot ``(B, C)``.
        bag_index (torch.Tensor): ``(N,)``.
        instance_labels (torch.Tensor): ``(N,)``.

    Returns:
        dict[str, torch.Tensor]: ``loss_img``, ``loss_inst``,
        ``loss_mil``.
    """
    targets, weights = instance_targets(labels, bag_index, instance_labels)
    return dict(
        loss_img=multilabel_soft_margin(image_logits, labels),
        loss_inst=multilabel_soft_margin(instance_logits, targets, weights),
        loss_mil=multilabel_soft_margin(
            bag_logits(image_logits, instance_logits, bag_index), labels))


def fuse_scores(image_logits: torch.Tensor, instance_logits: torch.Tensor,
                bag_index: torch.Tensor, instance_labels: torch.Tensor,
                fusion: str = 'max') -> torch.Tensor:
    r"""Image scores from the image and its test-time instances.

    - ``'global'``: :math:`p_j = \sigma(z_j(I))` (instances unused);
    - ``'max'``: :math:`p_j = \max(\sigma(z_j(I)), \max_i \sigma(z_j(x_i)))`
      over all the image's instances;
    - ``'mean'`` (ours): :math:`p_j` is the mean of :math:`\sigma(z_j)`
      over the image and the image's instances of class j (those built
      from j's CAM); a class without instances keeps
      :math:`\sigma(z_j(I))`. Instances of other classes are left out:
      they were cut around other objects, and would pull j's score down
      for the small objects the crops are meant to find.

    Args:
        image_logits (torch.Tensor): ``(B, C)``.
        instance_logits (torch.Tensor): ``(N, C)``.
        bag_index (torch.Tensor): ``(N,)``.
        instance_labels (torch.Tensor): ``(N,)``.
        fusion (str): ``'global'``, ``'max'`` or ``'mean'``.

    Returns:
        torch.Tensor: ``(B, C)`` scores in [0, 1].
    """
    if fusion not in FUSIONS:
        raise ValueError(f'fusion must be one of {FUSIONS}, got {fusion!r}.')
    image_probs = image_logits.float().sigmoid()
    if fusion == 'global':
        return image_probs
    if fusion == 'max':
        return bag_logits(image_logits.float(), instance_logits.float(),
                          bag_index).sigmoid()
    own = F.one_hot(instance_labels.long(), image_probs.shape[1]).float()
    index = bag_index.long()[:, None].expand_as(own)
    totals = image_probs.scatter_add(
        0, index, instance_logits.float().sigmoid() * own)
    counts = torch.ones_like(image_probs).scatter_add(0, index, own)
    return totals / counts

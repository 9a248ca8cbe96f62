"""Online object locations: device connected components and CAM boxes.

Checks: 4-connectivity equals ``scipy.ndimage.label``; box extraction on a
hand-made map; CAM normalisation (docs/reference/oass.md, fidelity 2).
"""
import numpy as np
import pytest
import torch
from scipy import ndimage

from mmmlc.models.utils.cam_components import (component_boxes,
                                               connected_components,
                                               normalize_cams)


def _same_partition(ours: np.ndarray, ref: np.ndarray) -> bool:
    """Same foreground and a one-to-one map between component labels."""
    if not np.array_equal(ours > 0, ref > 0):
        return False
    pairs = set(zip(ours[ours > 0].tolist(), ref[ref > 0].tolist()))
    return len(pairs) == len(np.unique(ours[ours > 0])) == len(
        np.unique(ref[ref > 0]))


@pytest.mark.parametrize('density', [0.3, 0.5, 0.6, 0.7, 0.9])
def test_components_equal_scipy_on_random_masks(density):
    gen = torch.Generator().manual_seed(int(density * 10))
    masks = torch.rand(24, 32, 32, generator=gen) < density
    labels = connected_components(masks).numpy()
    for ours, mask in zip(labels, masks.numpy()):
        ref, _ = ndimage.label(mask)  # default structure: 4-connectivity
        assert _same_partition(ours, ref)


def test_components_follow_a_snake():
    # A snake: 4 horizontal runs joined at alternating ends, one component.
    mask = torch.zeros(1, 7, 7, dtype=torch.bool)
    mask[0, 0::2, :] = True
    mask[0, 1, 6] = mask[0, 3, 0] = mask[0, 5, 6] = True
    labels = connected_components(mask, num_iters=7 * 7)
    assert labels[mask].unique().numel() == 1
    # One label, the largest flat index + 1 of the snake's cells.
    assert labels.max().item() == 7 * 7


def test_diagonal_neighbours_are_separate_components():
    mask = torch.zeros(1, 4, 4, dtype=torch.bool)
    mask[0, :2, :2] = True
    mask[0, 2:, 2:] = True  # touches the first square only at a corner
    labels = connected_components(mask)
    assert labels[0, 0, 0] != labels[0, 3, 3]
    assert labels[0, 0, 0].item() == 1 * 4 + 1 + 1  # cell (1, 1)
    assert labels[0, 3, 3].item() == 16


def test_component_boxes_hand_made():
    cams = torch.zeros(1, 6, 8)
    cams[0, 1:3, 1:4] = torch.tensor([[0.3, 0.9, 0.4], [0.5, 0.6, 0.2]])
    cams[0, 4, 6] = 0.8  # a single cell: under min_size=2
    cams[0, 4:6, 0] = 0.25
    mask = cams >= 0.2
    boxes, scores, valid = component_boxes(cams, mask, min_size=2)
    assert valid.sum().item() == 2
    kept = sorted(zip(boxes[valid].tolist(), scores[valid].tolist()))
    assert kept[0][0] == [0, 4, 1, 6]
    assert kept[0][1] == pytest.approx(0.25)
    assert kept[1][0] == [1, 1, 4, 3]
    assert kept[1][1] == pytest.approx(0.9)
    assert boxes[~valid].abs().sum() == 0 and scores[~valid].sum() == 0


def test_normalised_cams():
    maps = torch.tensor([[[[-1., 2.], [4., 0.]], [[0., 0.], [0., 0.]],
                          [[-3., -1.], [-2., -5.]]]])
    cams = normalize_cams(maps)
    assert torch.isfinite(cams).all()
    assert cams[0, 0].max().item() == pytest.approx(1, abs=1e-4)
    assert cams[0, 0, 0, 1].item() == pytest.approx(2 / (4 + 1e-5))
    assert cams.min().item() == 0
    assert cams[0, 1:].abs().sum() == 0  # all-zero and all-negative maps

"""The rotation fallback's crops (aux='rotation', docs/reference/oass.md)."""
import torch

from mmmlc.models.utils.rotation_pretext import rotated_box_crops


def boxes_of(cells, score=0.9):
    """One box per image in slot 1 of class 0 (slot 0 empty)."""
    b = len(cells)
    boxes = torch.zeros(b, 1, 2, 4, dtype=torch.long)
    scores = torch.zeros(b, 1, 2)
    valid = torch.zeros(b, 1, 2, dtype=torch.bool)
    for i, box in enumerate(cells):
        if box is not None:
            boxes[i, 0, 1] = torch.tensor(box)
            scores[i, 0, 1], valid[i, 0, 1] = score, True
    return boxes, scores, valid


def test_crop_is_the_box_turned_by_the_target():
    # A 32-px box resampled to 32 px hits pixel centres: the crop is the
    # box's pixels, rotated by `turns` quarter turns (torch.rot90 on H, W).
    x = torch.arange(64 * 64.).view(1, 1, 64, 64).expand(8, 3, 64, 64)
    gen = torch.Generator().manual_seed(2)  # draws every turn
    crops, turns, has_box = rotated_box_crops(
        x.contiguous(), *boxes_of([[1, 1, 3, 3]] * 8), stride=16, size=32,
        min_px=16, generator=gen)
    assert set(turns.tolist()) == {0, 1, 2, 3}
    assert has_box.all()
    box = x[0, :, 16:48, 16:48]
    for crop, k in zip(crops, turns.tolist()):
        expected = torch.rot90(box, k, dims=(-2, -1))
        assert (crop - expected).abs().max() < 1e-3


def test_small_and_border_boxes_are_grown_and_kept_inside():
    # A 1-cell box at the corner grows to min_px = 32 around its centre,
    # then shifts inside the crop: pixels [0, 32) x [0, 32).
    x = torch.arange(64 * 64.).view(1, 1, 64, 64).expand(1, 3, 64, 64)
    gen = torch.Generator().manual_seed(1)
    crops, turns, _ = rotated_box_crops(
        x.contiguous(), *boxes_of([[0, 0, 1, 1]]), stride=16, size=32,
        min_px=32, generator=gen)
    expected = torch.rot90(x[0, :, :32, :32], turns.item(), dims=(-2, -1))
    assert (crops[0] - expected).abs().max() < 1e-3


def test_image_without_a_box_is_flagged():
    x = torch.rand(2, 3, 64, 64)
    _, _, has_box = rotated_box_crops(
        x, *boxes_of([None, [1, 1, 3, 3]]), stride=16, size=32, min_px=16)
    assert has_box.tolist() == [False, True]

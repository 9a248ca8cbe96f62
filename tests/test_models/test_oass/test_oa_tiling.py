"""OA-tiling and the puzzle losses (docs/reference/oass.md, fidelity 5-7, 9).
"""
import pytest
import torch
import torch.nn.functional as F

from mmmlc.models.utils.oa_tiling import (crop_regions, cut_candidates,
                                          masked_gap,
                                          max_tile_size, merge_tiles,
                                          multilabel_soft_margin,
                                          reconstruction_loss, select_cuts,
                                          size_rank_canvases, size_rank_tiles,
                                          tile_regions, tile_targets)


def _split_merge(x, cut_x, cut_y, p_h, p_w):
    h, w = x.shape[-2:]
    regions = tile_regions(cut_x, cut_y, h, w)
    tiles = [crop_regions(x, regions[:, k], p_h, p_w) for k in range(4)]
    return tiles, regions, merge_tiles(tiles, regions, h, w)


def test_split_merge_is_bit_exact_at_any_cuts():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(6, 5, 32, 24, generator=gen)
    cut_x = torch.randint(6, 19, (6,), generator=gen)
    cut_y = torch.randint(8, 25, (6,), generator=gen)
    tiles, regions, merged = _split_merge(x, cut_x, cut_y, max_tile_size(32),
                                          max_tile_size(24))
    assert torch.equal(merged, x)
    # Each tile sits at the canvas' top-left, zero elsewhere.
    b = 2
    kx, ky = cut_x[b].item(), cut_y[b].item()
    assert torch.equal(tiles[3][b, :, :32 - ky, :24 - kx], x[b, :, ky:, kx:])
    assert tiles[3][b, :, 32 - ky:].abs().sum() == 0
    assert tiles[0][b, :, :, kx:].abs().sum() == 0


def test_tile_sizes_add_up_for_random_crops():
    gen = torch.Generator().manual_seed(1)
    for _ in range(20):
        long_side = int(torch.randint(320, 641, (1,), generator=gen))
        crop = min(long_side, 512) // 16 * 16
        h = w = crop // 16
        cut_x = torch.randint(-(-w // 4), 3 * w // 4 + 1, (3,), generator=gen)
        cut_y = torch.randint(-(-h // 4), 3 * h // 4 + 1, (3,), generator=gen)
        regions = tile_regions(cut_x, cut_y, h, w)
        widths = regions[..., 2] - regions[..., 0]
        heights = regions[..., 3] - regions[..., 1]
        assert torch.equal(widths[:, 0] + widths[:, 1], torch.full((3,), w))
        assert torch.equal(heights[:, 0] + heights[:, 2], torch.full((3,), h))
        assert (widths <= max_tile_size(w)).all()


def test_no_boxes_gives_the_equal_2x2_grid():
    empty = torch.zeros(4, 3, dtype=torch.long)
    cuts = select_cuts(empty, empty, empty, 32)
    assert cuts.tolist() == [16] * 4
    _, regions, _ = _split_merge(torch.zeros(4, 1, 32, 32), cuts, cuts, 16, 16)
    sizes = regions[..., 2:] - regions[..., :2]
    assert (sizes == 16).all()


def test_cut_avoids_a_box_and_prefers_the_centre():
    # Box [3, 10) on a 32-wide grid: 16 is free, so 16.
    lo, hi, area = (torch.tensor([[v]]) for v in (3, 10, 7))
    assert select_cuts(lo, hi, area, 32).item() == 16
    # Box [12, 20): candidates 13..19 slice it; 12 and 20 tie at distance 4.
    lo, hi, area = (torch.tensor([[v]]) for v in (12, 20, 8))
    picks = {select_cuts(lo, hi, area, 32).item() for _ in range(40)}
    assert picks == {12, 20}


def test_cut_minimises_sliced_area_when_every_candidate_slices():
    # Candidates 8..24 on w=32. A big box [7, 25) covers all of them; small
    # boxes [7, 15) (area 4) and [15, 25) (area 2) make 15 the cheapest.
    lo = torch.tensor([[7, 7, 15]])
    hi = torch.tensor([[25, 15, 25]])
    area = torch.tensor([[100, 4, 2]])
    cut = select_cuts(lo, hi, area, 32).item()
    assert cut == 15  # cost 100 there, 102-106 elsewhere
    cost = {k: sum(a for l, h_, a in zip(lo[0], hi[0], area[0]) if l < k < h_)
            for k in range(8, 25)}
    assert cost[cut] == min(cost.values())


def test_puzzle_losses_match_the_formulas():
    gen = torch.Generator().manual_seed(3)
    maps = torch.randn(2, 3, 4, 4, generator=gen)
    merged = torch.randn(2, 3, 4, 4, generator=gen)
    labels = torch.tensor([[1., 0., 1.], [0., 1., 0.]])
    diff = (maps - merged).abs()
    manual = (diff[0, 0].sum() + diff[0, 2].sum() + diff[1, 1].sum()) / (
        2 * 3 * 16)
    assert reconstruction_loss(maps, merged, labels).item() == pytest.approx(
        manual.item(), rel=1e-6)
    logits = merged.mean((2, 3))
    expected = F.multilabel_soft_margin_loss(logits, labels)
    assert multilabel_soft_margin(logits, labels).item() == pytest.approx(
        expected.item(), rel=1e-6)


def test_tile_targets_and_ignored_gradient():
    # 8 x 8 grid cut at (4, 4). Class 0: a box inside TL, its foreground
    # also spills into TR. Class 1 negative. Class 2 positive, no box.
    labels = torch.tensor([[1., 0., 1.]])
    boxes = torch.zeros(1, 3, 2, 4, dtype=torch.long)
    valid = torch.zeros(1, 3, 2, dtype=torch.bool)
    boxes[0, 0, 0] = torch.tensor([0, 0, 3, 3])
    valid[0, 0, 0] = True
    fg = torch.zeros(1, 3, 8, 8, dtype=torch.bool)
    fg[0, 0, :3, :3] = True
    fg[0, 0, 0, 4] = True  # a speck in TR: present? unknown -> ignore
    fg[0, 2, 6, 6] = True  # class 2 seen in BR only, no box -> ignore there
    four = torch.tensor([4])
    regions = tile_regions(four, four, 8, 8)
    targets, weights = tile_targets(labels, boxes, valid, fg, regions)
    assert targets[0, :, 0].tolist() == [1, 0, 0, 0]
    assert weights[0, :, 0].tolist() == [1, 0, 1, 1]  # TR ignored
    assert targets[0, :, 1].tolist() == [0] * 4
    assert weights[0, :, 1].tolist() == [1] * 4
    assert weights[0, :, 2].tolist() == [1, 1, 1, 0]
    assert targets[0, :, 2].sum() == 0
    logits = torch.zeros(1, 4, 3, requires_grad=True)
    multilabel_soft_margin(logits, targets, weights).backward()
    assert (logits.grad[weights == 0] == 0).all()
    assert (logits.grad[weights == 1] != 0).all()
    # sigma(0) = 0.5: d/dz = (0.5 - t) / kept entries.
    kept = weights.sum().item()
    assert logits.grad[0, 0, 0].item() == pytest.approx(-0.5 / kept)


def test_masked_gap_ignores_padding():
    maps = torch.arange(16.).view(1, 1, 4, 4)
    valid = torch.zeros(1, 4, 4, dtype=torch.bool)
    valid[0, :2, :3] = True
    assert masked_gap(maps, valid).item() == pytest.approx(
        (0 + 1 + 2 + 4 + 5 + 6) / 6)


def test_size_rank_groups_fit_their_canvases_at_every_cut():
    for h, w in ((8, 8), (7, 10), (32, 32), (5, 4)):
        first_y, last_y = -(-h // 4), 3 * h // 4
        first_x, last_x = -(-w // 4), 3 * w // 4
        ky, kx = torch.meshgrid(torch.arange(first_y, last_y + 1),
                                torch.arange(first_x, last_x + 1),
                                indexing='ij')
        cut_x, cut_y = kx.flatten(), ky.flatten()
        regions = tile_regions(cut_x, cut_y, h, w)
        rank = size_rank_tiles(cut_x, cut_y, h, w)
        # A permutation of the four tiles, and its own inverse.
        assert (rank.sort(1).values == torch.arange(4)).all()
        assert torch.equal(rank.gather(1, rank), torch.arange(4).expand_as(
            rank))
        sizes = regions[..., 2:] - regions[..., :2]  # (N, 4, [w, h])
        for g, (g_h, g_w) in enumerate(size_rank_canvases(h, w)):
            size = sizes.gather(1, rank[:, g, None, None].expand(-1, 1, 2))
            assert (size[:, 0, 0] <= g_w).all() and (size[:, 0, 1] <= g_h).all()
    # 8 x 8 cut at x=2, y=5: TL 2x5, TR 6x5, BL 2x3, BR 6x3 (w x h). Taller
    # row = top, wider column = right: groups TR, TL, BR, BL.
    rank = size_rank_tiles(torch.tensor([2]), torch.tensor([5]), 8, 8)
    assert rank.tolist() == [[1, 0, 3, 2]]
    assert size_rank_canvases(8, 8) == [(6, 6), (6, 4), (4, 6), (4, 4)]
    # Canvas area 10 x 10 = 1.5625 x the grid (four 6 x 6 would be 2.25 x).
    assert sum(a * b for a, b in size_rank_canvases(8, 8)) == 100


def test_cut_margin_narrows_the_candidates_and_the_canvases():
    # Default margin 1/4 on 32 cells: cuts 8..24; 3/8: cuts 12..20.
    assert cut_candidates(32) == (8, 24)
    assert cut_candidates(32, 0.375) == (12, 20)
    assert max_tile_size(32, 0.375) == 20
    assert size_rank_canvases(32, 32, 0.375)[0] == (20, 20)
    # A box over [9, 23): by default 9 and 23 are free and tie at distance
    # 7 from the centre; with margin 3/8 every candidate slices it, so the
    # centre.
    lo, hi, area = (torch.tensor([[v]]) for v in (9, 23, 14))
    picks = {select_cuts(lo, hi, area, 32).item() for _ in range(40)}
    assert picks == {9, 23}
    assert select_cuts(lo, hi, area, 32, margin=0.375).item() == 16
    with pytest.raises(ValueError, match='cut margin'):
        cut_candidates(32, 0.6)

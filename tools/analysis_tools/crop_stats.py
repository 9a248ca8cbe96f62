"""Statistics of the object crops, reference arithmetic vs clean.

Example::

    python tools/analysis_tools/crop_stats.py --num 10000 --dilation 0.2

Draws ``--num`` random boxes on synthetic images of OpenImages-like
(long side 1024) and COCO-like (long side 640) sizes, computes the object
crop C0 and the dilated crop Cd with the reference arithmetic
(``faithful``) and the clean default, and prints one markdown table per
image family:

- IoU(GT, C0) and IoU(C0, Cd): mean and 10/50/90 % quantiles;
- the fraction of crops with black padding (part outside the image) and
  their mean padded area (fraction of the crop);
- the fraction with area(Cd) < area(C0), and with Cd not containing C0;
- the smallest crop side;
- for one T_obj RandomResizedCrop draw per C0 (scale (0, 1), mmpretrain's
  sampler with its 10 attempts): the fraction that intersects the GT box
  and the mean fraction of the GT box it covers.

The two modes should differ only where a reference quirk is switched
(docs/reference/object_aware_cropping.md lists them). Boxes are
``uniform`` (XMin, XMax and YMin, YMax each the sorted pair of two
U(0, 1) draws, as an OpenImages box is stored) or ``small`` (log-uniform
sides of 2 % to 50 % of the image, uniform position).
"""
import argparse
from typing import Dict, List, Tuple

import numpy as np

from mmmlc.datasets.transforms.box_geometry import (box_area, box_contains,
                                                    box_intersection, box_iou)
from mmmlc.datasets.transforms.box_ops import (clean_crop_box,
                                               faithful_crop_box)

FAMILIES = {
    'openimages': [(1024, 768), (1024, 683), (768, 1024), (683, 1024),
                   (1024, 576), (1024, 1024)],
    'coco': [(640, 480), (640, 427), (480, 640), (427, 640), (640, 360),
             (500, 375)],
}


def parse_args(argv=None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='Object-crop statistics, faithful vs clean.')
    parser.add_argument('--num', type=int, default=10000)
    parser.add_argument('--dilation', type=float, default=0.2)
    parser.add_argument('--min-size', type=int, default=224)
    parser.add_argument('--expand', type=int, default=112)
    parser.add_argument('--rrc-scale', type=float, nargs=2, default=[0, 1],
                        help='T_obj crop_ratio_range')
    parser.add_argument('--boxes', choices=['uniform', 'small'],
                        default='uniform')
    parser.add_argument('--families', nargs='+', choices=list(FAMILIES),
                        default=list(FAMILIES))
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def random_boxes(num: int, family: str, kind: str,
                 rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Random image sizes of a family and random pixel boxes on them.

    Args:
        num (int): Number of boxes.
        family (str): Key of ``FAMILIES``.
        kind (str): ``'uniform'`` or ``'small'``.
        rng (np.random.Generator): Random generator.

    Returns:
        tuple: int ``(num, 2)`` sizes ``(W, H)`` and float64 ``(num, 4)``
        pixel boxes ``x1, y1, x2, y2``.
    """
    sizes = np.asarray(FAMILIES[family])[rng.integers(
        len(FAMILIES[family]), size=num)]
    if kind == 'uniform':
        xs = np.sort(rng.random((num, 2)), axis=1)
        ys = np.sort(rng.random((num, 2)), axis=1)
    else:
        side = np.exp(rng.uniform(np.log(0.02), np.log(0.5), size=(num, 2)))
        start = rng.random((num, 2)) * (1 - side)
        xs = np.stack([start[:, 0], start[:, 0] + side[:, 0]], axis=1)
        ys = np.stack([start[:, 1], start[:, 1] + side[:, 1]], axis=1)
    boxes = np.stack([
        xs[:, 0] * sizes[:, 0], ys[:, 0] * sizes[:, 1],
        xs[:, 1] * sizes[:, 0], ys[:, 1] * sizes[:, 1]
    ], axis=1)
    return sizes, boxes


def crops(sizes: np.ndarray, boxes: np.ndarray, faithful: bool,
          dilation: float, min_size: int, expand: int) -> np.ndarray:
    """C0 (``dilation=0``) or Cd of every box, grouped by image size.

    Args:
        sizes (np.ndarray): ``(N, 2)`` image sizes.
        boxes (np.ndarray): ``(N, 4)`` pixel boxes.
        faithful (bool): Reference arithmetic.
        dilation (float): delta.
        min_size (int): Minimum crop side.
        expand (int): Context per side.

    Returns:
        np.ndarray: int64 ``(N, 4)`` crop boxes.
    """
    compute = faithful_crop_box if faithful else clean_crop_box
    out = np.zeros(boxes.shape, np.int64)
    for width, height in np.unique(sizes, axis=0):
        mask = (sizes[:, 0] == width) & (sizes[:, 1] == height)
        out[mask] = compute(boxes[mask], int(width), int(height), dilation,
                            min_size, expand)
    return out


def padded_fraction(crop: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Fraction of each crop's area outside its image (black padding)."""
    image = np.concatenate([np.zeros_like(sizes), sizes], axis=1)
    return 1.0 - box_intersection(crop, image) / box_area(crop)


def rrc_boxes(crop: np.ndarray, scale: Tuple[float, float],
              seed: int) -> np.ndarray:
    """One mmpretrain RandomResizedCrop region per crop, in crop pixels."""
    from mmpretrain.datasets.transforms import RandomResizedCrop
    rrc = RandomResizedCrop(224, crop_ratio_range=tuple(scale))
    np.random.seed(seed)
    out = np.zeros(crop.shape, np.float64)
    for i, (x1, y1, x2, y2) in enumerate(crop):
        # Only the shape is read: a zero-channel array costs nothing.
        top, left, h, w = rrc.rand_crop_params(
            np.empty((y2 - y1, x2 - x1, 0), np.uint8))
        out[i] = (left, top, left + w, top + h)
    return out


def statistics(sizes: np.ndarray, boxes: np.ndarray, faithful: bool,
               args: argparse.Namespace) -> Dict[str, str]:
    """All statistics of one mode, formatted.

    Args:
        sizes (np.ndarray): ``(N, 2)`` image sizes.
        boxes (np.ndarray): ``(N, 4)`` GT pixel boxes.
        faithful (bool): Reference arithmetic.
        args (argparse.Namespace): Options.

    Returns:
        dict[str, str]: Statistic name -> formatted value.
    """
    c0 = crops(sizes, boxes, faithful, 0.0, args.min_size, args.expand)
    cd = crops(sizes, boxes, faithful, args.dilation, args.min_size,
               args.expand)

    def dist(values: np.ndarray) -> str:
        q10, q50, q90 = np.quantile(values, [0.1, 0.5, 0.9])
        return f'{values.mean():.3f} ({q10:.2f}/{q50:.2f}/{q90:.2f})'

    pad0, padd = padded_fraction(c0, sizes), padded_fraction(cd, sizes)
    rrc = rrc_boxes(c0, args.rrc_scale, args.seed)
    gt_in_crop = boxes - np.concatenate([c0[:, :2], c0[:, :2]], axis=1)
    covered = box_intersection(rrc, gt_in_crop) / box_area(boxes)
    # The reference crops the floored box; judge containment on that.
    inside = np.floor(boxes) if faithful else boxes
    sides = np.concatenate([c0[:, 2:] - c0[:, :2], cd[:, 2:] - cd[:, :2]])
    return {
        'IoU(GT, C0) mean (p10/p50/p90)': dist(box_iou(boxes, c0)),
        'IoU(C0, Cd) mean (p10/p50/p90)': dist(box_iou(c0, cd)),
        'C0 padded: fraction': f'{(pad0 > 0).mean():.3f}',
        'Cd padded: fraction': f'{(padd > 0).mean():.3f}',
        'Cd padded: mean padded area': (f'{padd[padd > 0].mean():.3f}'
                                        if (padd > 0).any() else '-'),
        'area(Cd) < area(C0)': f'{(box_area(cd) < box_area(c0)).mean():.3f}',
        'Cd does not contain C0': f'{(~box_contains(cd, c0)).mean():.3f}',
        'GT box not inside C0': f'{(~box_contains(c0, inside)).mean():.3f}',
        'smallest crop side': f'{sides.min()}',
        'T_obj RRC hits GT': f'{(covered > 0).mean():.3f}',
        'T_obj RRC mean GT covered': f'{covered.mean():.3f}',
    }


def table(family: str, columns: List[Tuple[str, Dict[str, str]]]) -> str:
    """A markdown table: one row per statistic, one column per mode."""
    lines = [f'| {family} | ' + ' | '.join(n for n, _ in columns) + ' |',
             '|---|' + '---|' * len(columns)]
    for key in columns[0][1]:
        lines.append(f'| {key} | ' + ' | '.join(c[key] for _, c in columns) +
                     ' |')
    return '\n'.join(lines)


def main(argv=None) -> None:
    """Command-line entry point."""
    args = parse_args(argv)
    print(f'{args.num} {args.boxes} boxes per family, dilation '
          f'{args.dilation}, min_size {args.min_size}, expand {args.expand}, '
          f'T_obj scale {tuple(args.rrc_scale)}, seed {args.seed}\n')
    for offset, family in enumerate(args.families):
        rng = np.random.default_rng(args.seed + offset)
        sizes, boxes = random_boxes(args.num, family, args.boxes, rng)
        columns = [(mode, statistics(sizes, boxes, mode == 'faithful', args))
                   for mode in ('faithful', 'clean')]
        print(table(family, columns) + '\n')


if __name__ == '__main__':
    main()

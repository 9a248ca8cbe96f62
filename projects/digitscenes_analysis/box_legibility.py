"""Can the objects be told apart at the scale a config reads its images?

Crops every non-difficult ground-truth box of a config's train and eval
splits from the image as the model sees it (resized to ``--read-size``
square, as the DigitScenes configs' ``Resize``), takes a square of
``--context`` times the box's longer side around its centre (zero-padded
at the border), resizes it to ``--crop-size`` and trains a small CNN to
name the box's class from the crop alone. It prints the accuracy on the
eval split's crops, overall and per class.

High accuracy says the objects are legible at that scale, so a multi-label
model that stays near the scene prior within a scene (see
``scene_prior_map.py --pred`` in this folder) fails to *learn*
recognition from image-level labels, not to *see* the objects. The
classifier is a probe of the data, not a method: it uses the boxes, which
the models never get.

Example::

    python projects/digitscenes_analysis/box_legibility.py \\
        configs/salgl/salgl_resnet18_1xb32-onecycle-8e_digitscenes-64px.py
"""
import argparse
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.registry import DATASETS
from mmmlc.utils.config_loading import add_config_arguments, load_config


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='Accuracy of a small CNN naming boxes from their crops.')
    add_config_arguments(parser, 'a config whose datasets have boxes')
    parser.add_argument(
        '--read-size',
        type=int,
        default=64,
        help='square side the image is resized to before cropping (the '
        "config's input size)")
    parser.add_argument(
        '--crop-size', type=int, default=24, help='side of the crops, px')
    parser.add_argument(
        '--context',
        type=float,
        default=1.2,
        help="crop side as a multiple of the box's longer side")
    parser.add_argument('--epochs', type=int, default=15)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def box_crops(image: np.ndarray, boxes: np.ndarray, read_size: int,
              crop_size: int, context: float) -> np.ndarray:
    """Square crops around boxes of an image resized to ``read_size``.

    Args:
        image (np.ndarray): ``(H, W, 3)`` uint8 image.
        boxes (np.ndarray): ``(N, 4)`` ``x1, y1, x2, y2`` in pixels of
            ``image``.
        read_size (int): The image is first resized to this square side.
        crop_size (int): Side of the returned crops.
        context (float): Crop side over the box's longer side (both at the
            read scale).

    Returns:
        np.ndarray: ``(N, crop_size, crop_size, 3)`` uint8; pixels outside
        the image are 0.
    """
    height, width = image.shape[:2]
    fx, fy = read_size / width, read_size / height
    read = cv2.resize(image, (read_size, read_size),
                      interpolation=cv2.INTER_LINEAR)
    crops = np.zeros((len(boxes), crop_size, crop_size, 3), np.uint8)
    for k, (x1, y1, x2, y2) in enumerate(np.asarray(boxes, np.float64)):
        side = max((x2 - x1) * fx, (y2 - y1) * fy) * context
        # The crop's pixel grid in read coordinates, sampled bilinearly.
        step = side / crop_size
        grid = step * (np.arange(crop_size) + 0.5) - 0.5 - side / 2
        xs = (x1 + x2) / 2 * fx + grid
        ys = (y1 + y2) / 2 * fy + grid
        map_x, map_y = np.meshgrid(xs.astype(np.float32),
                                   ys.astype(np.float32))
        crops[k] = cv2.remap(
            read,
            map_x,
            map_y,
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0)
    return crops


def split_crops(infos: List[dict], read_size: int, crop_size: int,
                context: float) -> Tuple[np.ndarray, np.ndarray]:
    """Crops and labels of every non-difficult box of a split's infos."""
    crops, labels = [], []
    for info in infos:
        if 'gt_bboxes' not in info:
            raise ValueError(
                f'{info["img_path"]} has no gt_bboxes: box_legibility needs '
                'a dataset with boxes (VOC, COCO, OHMS, DigitScenes)')
        keep = ~np.asarray(
            info.get('gt_bboxes_difficult',
                     np.zeros(len(info['gt_bboxes']), bool)), bool)
        if not keep.any():
            continue
        path = info['img_path']
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: image listed by the dataset '
                                    'does not exist')
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            raise ValueError(f'{path}: cannot decode the image')
        crops.append(
            box_crops(image[:, :, ::-1], info['gt_bboxes'][keep], read_size,
                      crop_size, context))
        labels.append(np.asarray(info['gt_bboxes_labels'])[keep])
    if not crops:
        raise ValueError('no non-difficult boxes in the split')
    return np.concatenate(crops), np.concatenate(labels).astype(np.int64)


def _small_cnn(num_classes: int) -> nn.Module:
    """Four 3x3 conv-BN-ReLU layers, two 2x poolings, global pooling."""
    layers, width = [], 3
    for out, pool in ((32, False), (64, True), (128, True), (128, False)):
        layers += [
            nn.Conv2d(width, out, 3, padding=1),
            nn.BatchNorm2d(out),
            nn.ReLU(inplace=True)
        ]
        layers += [nn.MaxPool2d(2)] if pool else []
        width = out
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(width, num_classes))


def train_and_score(train: Tuple[np.ndarray, np.ndarray],
                    test: Tuple[np.ndarray, np.ndarray],
                    num_classes: int,
                    epochs: int = 15,
                    seed: int = 0,
                    batch_size: int = 128,
                    lr: float = 2e-3) -> np.ndarray:
    """Train the small CNN on train crops, predict the test crops.

    Args:
        train (tuple): ``(crops, labels)``: uint8 ``(N, S, S, 3)``, int64
            ``(N, )``.
        test (tuple): The same for the crops to predict.
        num_classes (int): C.
        epochs (int): Passes over the train crops (AdamW, one-cycle).
        seed (int): Seed of the initialisation and the batch order.
        batch_size (int): Crops per step.
        lr (float): Peak learning rate.

    Returns:
        np.ndarray: ``(M, )`` predicted class of each test crop.
    """

    def tensor(crops):
        return torch.from_numpy(crops).permute(0, 3, 1, 2).float() / 255.

    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = _small_cnn(num_classes)
    x, y = tensor(train[0]), torch.from_numpy(train[1])
    steps = epochs * -(-len(x) // batch_size)
    optim = torch.optim.AdamW(net.parameters(), lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(optim, lr, total_steps=steps)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            loss = F.cross_entropy(net(x[idx]), y[idx])
            optim.zero_grad()
            loss.backward()
            optim.step()
            sched.step()
    net.eval()
    with torch.no_grad():
        return torch.cat([
            net(batch).argmax(1) for batch in tensor(test[0]).split(512)
        ]).numpy()


def main(argv: Optional[Sequence[str]] = None) -> float:
    """Crop, train, score and print; return the eval accuracy in percent."""
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    splits = {}
    for name in ('train', args.split):
        dataset = DATASETS.build(
            dict(cfg[f'{name}_dataloader'].dataset, pipeline=[]))
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
        splits[name] = split_crops(infos, args.read_size, args.crop_size,
                                   args.context)
    classes = dataset.metainfo['classes']
    pred = train_and_score(splits['train'], splits[args.split], len(classes),
                           args.epochs, args.seed)
    truth = splits[args.split][1]
    accuracy = 100 * float((pred == truth).mean())
    print(f'{len(truth)} non-difficult {args.split} boxes, read at '
          f'{args.read_size} px, named from their crops by a small CNN '
          f'trained on {len(splits["train"][1])} train boxes: accuracy '
          f'{accuracy:.2f}%')
    for c, name in enumerate(classes):
        rows = truth == c
        if rows.any():
            print(f'  {name}: {int(rows.sum())} boxes, accuracy '
                  f'{100 * float((pred[rows] == c).mean()):.2f}%')
    return accuracy


if __name__ == '__main__':
    main()

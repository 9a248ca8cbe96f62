"""Generator of DigitScenes, mmmlc's embedded default dataset.

Only data shipped inside scikit-learn is used: the 1797 handwritten 8x8
digits of ``load_digits`` pasted onto crops of the two photos of
``load_sample_images``. Each image has one of four *scenes*; a scene decides
the background (which photo is likely, a colour transform jittered per
image) and the labels: three *typical* digits make 85% of its objects and
appear together, so the scene predicts label co-occurrence.

Glyphs are split by sklearn index: ``train`` images draw from [0, 899),
``val`` and ``test`` from [899, 1797), so evaluation measures generalisation
to unseen handwriting. The sklearn set is roughly ordered by writer, hence
contiguous halves rather than odd/even indices.

Each image comes from its own ``np.random.default_rng([seed, split,
index])``: one seed, one dataset (given the numpy and OpenCV versions), and
splits do not depend on each other's sizes.
"""
import colorsys
import errno
import json
import os
import os.path as osp
import shutil
from functools import lru_cache
from typing import Dict, List, Tuple

import cv2
import numpy as np
from mmengine.logging import MMLogger

# Bump whenever a change alters the pixels or annotations of a given seed.
GENERATOR_VERSION = 1

CLASSES = tuple(str(d) for d in range(10))
SPLITS = ('train', 'val', 'test')
# Scene profiles: typical digits, P(photo) for (china, flower) and the
# centre of the colour transform (hue rotation in degrees, saturation, gain,
# contrast, per-channel RGB tint).
SCENE_PROFILES = (
    dict(name='daylight', typical=(1, 4, 7), photo_p=(0.7, 0.3), hue=0.,
         sat=1.15, gain=1.05, contrast=1.0, tint=(1.0, 1.0, 1.0)),
    dict(name='sunset', typical=(0, 3, 8), photo_p=(0.5, 0.5), hue=20.,
         sat=1.3, gain=0.95, contrast=1.1, tint=(1.25, 0.85, 0.55)),
    dict(name='night', typical=(2, 5, 6), photo_p=(0.6, 0.4), hue=-10.,
         sat=0.8, gain=0.5, contrast=0.9, tint=(0.65, 0.85, 1.35)),
    dict(name='fog', typical=(4, 8, 9), photo_p=(0.3, 0.7), hue=0.,
         sat=0.35, gain=1.1, contrast=0.45, tint=(0.95, 1.0, 1.05)),
)
SCENES = tuple(profile['name'] for profile in SCENE_PROFILES)

P_TYPICAL = 0.85  # share of a scene's objects drawn from its typical digits
NUM_OBJECTS_P = (0.2, 0.3, 0.3, 0.2)  # P(1), P(2), P(3), P(4) objects
GLYPH_SIZE = (16, 48)  # side of the 8x8 glyph grid after upsampling, px
ALPHA_THR = 0.3  # a glyph pixel is "visible" above this alpha
TINY_PX = 18  # boxes whose longer side is below this are difficult
P_OVERLAP = 0.15  # P(an object may be placed over earlier ones)
P_OCCLUDER = 0.25  # P(an image gets an opaque occluder over one object)
HIDDEN_DIFFICULT = 0.5  # hidden share above which an object is difficult
MAX_HIDDEN = 0.85  # placements hiding more of any object are rejected
GLYPH_HALF = 899  # train glyphs: [0, 899), val/test glyphs: [899, 1797)

# RGB <-> YIQ: hue rotation and saturation act on the chroma (I, Q) plane.
_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322],
                 [0.211, -0.523, 0.312]])
_YIQ_INV = np.linalg.inv(_YIQ)


@lru_cache(maxsize=1)
def _sources() -> Tuple[List[np.ndarray], List[List[np.ndarray]], tuple]:
    """Load the sklearn photos and glyphs once per process.

    Returns:
        tuple: The photos as ``[full, half]`` float32 RGB pyramids in [0, 1];
        ``glyphs[half][label]``, float32 ``(K, 10, 10)`` in [0, 1] (8x8 and
        a zero border); the photo file names.
    """
    from sklearn.datasets import load_digits, load_sample_images
    photos, digits = load_sample_images(), load_digits()
    # The zero border makes strokes fade out instead of being cut at the
    # patch edge once upsampled.
    images = np.pad(digits.images / 16.0, ((0, 0), (1, 1), (1, 1)))
    images = images.astype(np.float32)
    halves = (slice(0, GLYPH_HALF), slice(GLYPH_HALF, len(images)))
    glyphs = [[images[h][digits.target[h] == c] for c in range(len(CLASSES))]
              for h in halves]
    names = tuple(osp.basename(f) for f in photos.filenames)
    pyramids = []
    for photo in photos.images:
        photo = photo.astype(np.float32) / 255.0
        pyramids.append([photo, cv2.pyrDown(photo)])
    return pyramids, glyphs, names


def scene_colour_affine(profile: dict, rng: np.random.Generator) -> np.ndarray:
    """Draw one jittered colour transform of a scene: ``y = A @ x + b``.

    Args:
        profile (dict): One entry of :data:`SCENE_PROFILES`.
        rng (np.random.Generator): Source of the per-image jitter.

    Returns:
        np.ndarray: float32 ``(3, 4)`` affine ``[A | b]`` acting on RGB
        values in [0, 1] (the layout of ``cv2.transform``).
    """
    theta = np.deg2rad(profile['hue'] + rng.uniform(-25, 25))
    sat = profile['sat'] * rng.uniform(0.75, 1.25)
    gain = profile['gain'] * rng.uniform(0.8, 1.2)
    contrast = profile['contrast'] * rng.uniform(0.85, 1.15)
    tint = np.asarray(profile['tint']) * rng.uniform(0.9, 1.1, size=3)
    cos, sin = sat * np.cos(theta), sat * np.sin(theta)
    chroma = np.array([[1, 0, 0], [0, cos, -sin], [0, sin, cos]])
    hue_sat = _YIQ_INV @ chroma @ _YIQ
    mat = gain * np.diag(tint) @ (contrast * hue_sat)
    bias = gain * tint * (1 - contrast) * 0.5
    return np.concatenate([mat, bias[:, None]], axis=1).astype(np.float32)


def _background(rng: np.random.Generator, profile: dict,
                img_size: int) -> np.ndarray:
    """Crop, flip and colour-transform one sample photo of a scene."""
    pyramid = _sources()[0][rng.choice(2, p=profile['photo_p'])]
    height, width = pyramid[0].shape[:2]
    top = int(0.9 * height)  # images above this side are upsampled crops
    side = int(rng.integers(min(img_size, top), top + 1))
    y0, x0 = (int(rng.integers(0, n - side + 1)) for n in (height, width))
    # Bilinear resizing from the pyramid level that keeps the scale <= 1.5:
    # as smooth as area resampling, several times faster.
    level = int(side > 1.5 * img_size)
    y0, x0, side = y0 >> level, x0 >> level, side >> level
    crop = cv2.resize(pyramid[level][y0:y0 + side, x0:x0 + side],
                      (img_size, img_size), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    crop = cv2.transform(
        np.ascontiguousarray(crop), scene_colour_affine(profile, rng))
    return np.clip(crop, 0.0, 1.0)


def _glyph_alpha(glyph: np.ndarray, size: int) -> np.ndarray:
    """Alpha of a bordered glyph whose 8x8 grid is scaled to ``size`` px."""
    # Bicubic then a contrast ramp: soft but well defined strokes.
    border = max(1, round(size / 8))
    alpha = cv2.resize(glyph, (size + 2 * border, ) * 2,
                       interpolation=cv2.INTER_CUBIC)
    return np.clip((alpha - 0.25) / 0.45, 0.0, 1.0)


def _hidden_shares(masks: List[np.ndarray], occluder: np.ndarray) -> list:
    """Share of each object's pixels covered by later objects or occluder."""
    shares, above = [], occluder.copy()
    for mask in reversed(masks):
        shares.append(float((mask & above).sum()) / float(mask.sum()))
        above |= mask
    return shares[::-1]


def _draw_labels(rng: np.random.Generator, profile: dict) -> List[int]:
    """Labels of one image: mostly the typical digits of its scene."""
    num = int(rng.choice(len(NUM_OBJECTS_P), p=NUM_OBJECTS_P)) + 1
    typical = [int(c) for c in rng.permutation(profile['typical'])]
    others = [c for c in range(len(CLASSES)) if c not in typical]
    # Typical slots cycle through a permutation of the typical digits, so an
    # image with several typical objects shows distinct typical digits: they
    # co-occur instead of repeating.
    return [
        typical[i % len(typical)] if is_typical else int(rng.choice(others))
        for i, is_typical in enumerate(rng.random(num) < P_TYPICAL)
    ]


def _card_over(rng: np.random.Generator, box: tuple,
               img_size: int) -> np.ndarray:
    """Mask of a card hiding a random share of ``box`` from a random side."""
    edges = list(np.asarray(box) + rng.integers(-6, 7, 4) * [-1, -1, 1, 1])
    share, axis, start = rng.uniform(.3, .8), rng.integers(2), rng.random()
    length = box[axis + 2] - box[axis]
    if start < 0.5:  # the card covers the left or top of the box
        edges[axis + 2] = box[axis] + share * length
    else:
        edges[axis] = box[axis + 2] - share * length
    x1, y1, x2, y2 = edges
    card = np.zeros((img_size, img_size), bool)
    card[max(int(y1), 0):int(np.ceil(y2)),
         max(int(x1), 0):int(np.ceil(x2))] = True
    return card


def render_sample(seed: int, split: str, index: int,
                  img_size: int = 128) -> dict:
    """Draw one DigitScenes image and its objects, deterministically.

    Args:
        seed (int): Dataset seed.
        split (str): One of ``'train'``, ``'val'``, ``'test'``.
        index (int): Index of the image within its split.
        img_size (int): Side of the square image in pixels.

    Returns:
        dict: ``image`` (uint8 ``(S, S, 3)`` RGB), ``scene`` (int) and
        ``objects``, dicts with ``label`` (int), ``mask`` (bool ``(S, S)``:
        the object's own pixels with alpha above :data:`ALPHA_THR`),
        ``bbox`` (int ``x1, y1, x2, y2`` pixel edges: tight box of ``mask``,
        occluded or not), ``hidden`` (share of ``mask`` under later objects
        or the occluder) and ``difficult`` (tiny or more than half hidden).
    """
    rng = np.random.default_rng([seed, SPLITS.index(split), index])
    pool = _sources()[1][0 if split == 'train' else 1]
    scene = int(rng.integers(len(SCENE_PROFILES)))
    profile = SCENE_PROFILES[scene]
    image = _background(rng, profile, img_size)
    luma = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)

    objects: List[Dict] = []
    for label in _draw_labels(rng, profile):
        glyph = pool[label][rng.integers(len(pool[label]))]
        alpha = _glyph_alpha(glyph, int(rng.integers(GLYPH_SIZE[0],
                                                     GLYPH_SIZE[1] + 1)))
        side, patch_mask = alpha.shape[0], alpha > ALPHA_THR
        cols = np.flatnonzero(patch_mask.any(0))
        rows = np.flatnonzero(patch_mask.any(1))
        may_overlap = bool(rng.random() < P_OVERLAP)
        for _ in range(30):
            x0 = int(rng.integers(0, img_size - side + 1))
            y0 = int(rng.integers(0, img_size - side + 1))
            box = (x0 + int(cols[0]), y0 + int(rows[0]),
                   x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1)
            mask = np.zeros((img_size, img_size), bool)
            mask[y0:y0 + side, x0:x0 + side] = patch_mask
            apart = all(box[0] >= b[2] + 2 or b[0] >= box[2] + 2
                        or box[1] >= b[3] + 2 or b[1] >= box[3] + 2
                        for b in (o['bbox'] for o in objects))
            masks = [o['mask'] for o in objects] + [mask]
            if apart or may_overlap and max(_hidden_shares(
                    masks, np.zeros_like(mask))) <= MAX_HIDDEN:
                break
        else:
            continue  # no room left: the image keeps fewer objects
        # Random hue; the stroke's luma is set against the background's.
        colour = np.asarray(colorsys.hsv_to_rgb(rng.random(),
                                                rng.uniform(.3, 1), 1.))
        stroke_luma = float(colour @ _YIQ[0])
        if luma[mask].mean() > 0.5:
            colour *= min(1., rng.uniform(.05, .35) / stroke_luma)
        else:  # mixed with white up to a luma in [0.65, 0.95]
            lift = max(rng.uniform(.65, .95) - stroke_luma, 0.)
            colour += lift / (1 - stroke_luma) * (1 - colour)
        region = image[y0:y0 + side, x0:x0 + side]
        region += alpha[..., None] * (colour.astype(np.float32) - region)
        objects.append(dict(label=label, bbox=box, mask=mask))

    occluder = np.zeros((img_size, img_size), bool)
    if rng.random() < P_OCCLUDER:
        target = objects[int(rng.integers(len(objects)))]['bbox']
        for _ in range(5):
            card = _card_over(rng, target, img_size)
            if max(_hidden_shares([o['mask'] for o in objects],
                                  card)) <= MAX_HIDDEN:
                occluder = card
                image[card] = rng.uniform(0.0, 1.0, size=3)
                break

    shares = _hidden_shares([o['mask'] for o in objects], occluder)
    for obj, hidden in zip(objects, shares):
        x1, y1, x2, y2 = obj['bbox']
        obj['hidden'] = hidden
        obj['difficult'] = bool(
            max(x2 - x1, y2 - y1) < TINY_PX or hidden > HIDDEN_DIFFICULT)
    image = np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
    return dict(image=image, scene=scene, objects=objects)


def annotation_xml(img_id: str, img_size: int, sample: dict) -> str:
    """VOC-style XML of one sample, plus ``<scene>`` and ``<scene_name>``.

    Boxes are written the VOC way: 1-based inclusive pixel indices, i.e.
    ``xmin = x1 + 1`` and ``xmax = x2`` for the pixel-edge box ``x1, x2``.

    Args:
        img_id (str): Image id, also the file stem.
        img_size (int): Side of the square image.
        sample (dict): Output of :func:`render_sample`.

    Returns:
        str: The XML document.
    """
    lines = [
        '<annotation>', '  <folder>DigitScenes</folder>',
        f'  <filename>{img_id}.jpg</filename>',
        f'  <size><width>{img_size}</width><height>{img_size}</height>'
        '<depth>3</depth></size>', '  <segmented>0</segmented>',
        f'  <scene>{sample["scene"]}</scene>',
        f'  <scene_name>{SCENES[sample["scene"]]}</scene_name>'
    ]
    for obj in sample['objects']:
        x1, y1, x2, y2 = obj['bbox']
        lines += [
            f'  <object><name>{CLASSES[obj["label"]]}</name>'
            '<pose>Unspecified</pose><truncated>0</truncated>',
            f'    <occluded>{int(obj["hidden"] > 0)}</occluded>'
            f'<difficult>{int(obj["difficult"])}</difficult>',
            f'    <bndbox><xmin>{x1 + 1}</xmin><ymin>{y1 + 1}</ymin>'
            f'<xmax>{x2}</xmax><ymax>{y2}</ymax></bndbox></object>'
        ]
    return '\n'.join(lines + ['</annotation>', ''])


def build_digit_scenes(root: str,
                       seed: int = 0,
                       num_train: int = 3000,
                       num_val: int = 1000,
                       num_test: int = 1000,
                       img_size: int = 128) -> None:
    """Write DigitScenes in VOC layout under ``root``, atomically.

    Layout: ``JPEGImages/<id>.jpg`` (quality 95, no chroma subsampling, as
    thin coloured strokes need it), ``Annotations/<id>.xml``,
    ``ImageSets/Main/{train,val,test,trainval}.txt`` and ``meta.json``
    (seed, sizes, version, classes, scenes). Ids are ``<split>_<i:06d>``.
    The 5000 default images take 10-15 s on one CPU core.

    Args:
        root (str): Folder to create; it must not exist or be empty. If
            another process completes the same folder meanwhile, this
            build is discarded in its favour.
        seed (int): Seed of every random choice. Defaults to 0.
        num_train (int): Images in ``train``. Defaults to 3000.
        num_val (int): Images in ``val``. Defaults to 1000.
        num_test (int): Images in ``test``. Defaults to 1000.
        img_size (int): Side of the square images, at least 64 so that
            the largest glyph fits. Defaults to 128.
    """
    sizes = dict(train=num_train, val=num_val, test=num_test)
    if min(sizes.values()) < 0 or img_size < 64:
        raise ValueError('DigitScenes needs split sizes >= 0 and img_size '
                         f'>= 64, got {sizes} and img_size={img_size}.')
    root = osp.normpath(root)
    if osp.isdir(root) and os.listdir(root):
        raise FileExistsError(f'Cannot build DigitScenes into {root}: the '
                              'folder exists and is not empty.')
    logger = MMLogger.get_current_instance()
    logger.info(f'Building DigitScenes (seed {seed}, {sizes}) into {root}')
    tmp = f'{root}.tmp-{os.getpid()}'
    shutil.rmtree(tmp, ignore_errors=True)  # a stale build of a dead pid
    try:
        _write_tree(tmp, seed, sizes, img_size)
        try:
            os.replace(tmp, root)
        except OSError as err:
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST) or \
                    not osp.isfile(osp.join(root, 'meta.json')):
                raise
            logger.info(f'DigitScenes: {root} was completed by another '
                        'process meanwhile; discarding this build.')
            shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_tree(tmp: str, seed: int, sizes: Dict[str, int],
                img_size: int) -> None:
    """Write images, annotations, image sets and finally ``meta.json``."""
    for sub in ('JPEGImages', 'Annotations', osp.join('ImageSets', 'Main')):
        os.makedirs(osp.join(tmp, sub))
    ids = {s: [f'{s}_{i:06d}' for i in range(sizes[s])] for s in SPLITS}
    for split in SPLITS:
        for index, img_id in enumerate(ids[split]):
            sample = render_sample(seed, split, index, img_size)
            ok, jpeg = cv2.imencode(
                '.jpg', sample['image'][:, :, ::-1], [
                    cv2.IMWRITE_JPEG_QUALITY, 95,
                    cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                    cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444
                ])
            if not ok:
                raise RuntimeError(f'JPEG encoding failed for {img_id}')
            stem = osp.join(tmp, '{}', img_id)
            with open(stem.format('JPEGImages') + '.jpg', 'wb') as f:
                f.write(jpeg.tobytes())
            with open(stem.format('Annotations') + '.xml', 'w') as f:
                f.write(annotation_xml(img_id, img_size, sample))
    ids['trainval'] = ids['train'] + ids['val']
    for split, names in ids.items():
        with open(osp.join(tmp, 'ImageSets', 'Main', split + '.txt'),
                  'w') as f:
            f.write(''.join(name + '\n' for name in names))
    meta = dict(
        name='DigitScenes', generator_version=GENERATOR_VERSION, seed=seed,
        num_train=sizes['train'], num_val=sizes['val'],
        num_test=sizes['test'], img_size=img_size, classes=list(CLASSES),
        scenes=list(SCENES),
        typical_digits={s['name']: list(s['typical']) for s in SCENE_PROFILES},
        glyphs=dict(train=f'sklearn load_digits [0, {GLYPH_HALF})',
                    val_test=f'sklearn load_digits [{GLYPH_HALF}, 1797)'),
        photos=list(_sources()[2]))
    # Written last: its presence is what marks the tree as complete.
    with open(osp.join(tmp, 'meta.json'), 'w') as f:
        json.dump(meta, f, indent=2)

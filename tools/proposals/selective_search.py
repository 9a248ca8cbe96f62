"""Write a proposals file with OpenCV selective search or BING.

Object-aware cropping without annotations takes its boxes from such a file
(the reference kept 10 BING boxes per image:
docs/reference/object_aware_cropping.md (Box proposals)).

Examples::

    # selective search, top 10 boxes per image, 8 processes
    python tools/proposals/selective_search.py data/coco/train2017 \\
        data/coco/proposals_ss_train2017.npz --workers 8 --top-k 10
    # BING with the model folder of opencv_contrib (not in the wheel):
    # modules/saliency/samples/ObjectnessTrainedModel
    python tools/proposals/selective_search.py images.txt out.json \\
        --bing path/to/ObjectnessTrainedModel
    # continue an interrupted run
    python tools/proposals/selective_search.py IMG_DIR out.npz --resume

The source is a folder of images (not recursive) or a text file listing
one image path per line (relative paths are relative to the list file).
Keys are file base names (``LoadProposals(key='filename')``), so base names
must be unique. The output (format: ``mmmlc/datasets/transforms/
proposal_file.py``) is rewritten every ``--save-every`` images with
``"complete": false``; ``--resume`` keeps the images already there.

Needs ``cv2.ximgproc`` / ``cv2.saliency`` from opencv-contrib, an optional
extra: ``pip install opencv-contrib-python-headless``.
"""
import argparse
import multiprocessing
import os
import os.path as osp
import sys
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import numpy as np
from mmengine.logging import MMLogger
from mmengine.utils import ProgressBar

from mmmlc.datasets.transforms.proposal_file import (load_proposals,
                                                     save_proposals)

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif',
                    '.tiff')
BING_MODELS = tuple(f'ObjNessB2W8{kind}.{part}.yml.gz'
                    for kind in ('MAXBGR', 'HSV', 'I')
                    for part in ('idx', 'wS1', 'wS2'))
CONTRIB_HINT = ('pip install opencv-contrib-python-headless (it provides '
                'the same cv2 package as opencv-python, plus the contrib '
                'modules)')

# (boxes (N, 4) x1 y1 x2 y2 pixels, best first; scores (N,) or None)
ProposalFn = Callable[[np.ndarray], Tuple[np.ndarray, Optional[np.ndarray]]]


def list_images(source: str) -> List[str]:
    """Image paths of a folder or a list file, with unique base names.

    Args:
        source (str): Folder of images, or a text file of image paths.

    Returns:
        list[str]: Sorted (folder) or listed (file) image paths.

    Raises:
        FileNotFoundError: If ``source`` does not exist.
        ValueError: If there is no image or two share a base name.
    """
    if osp.isdir(source):
        paths = sorted(
            osp.join(source, name) for name in os.listdir(source)
            if name.lower().endswith(IMAGE_EXTENSIONS))
    elif osp.isfile(source):
        base = osp.dirname(osp.abspath(source))
        with open(source, encoding='utf-8') as f:
            paths = [
                line.strip() if osp.isabs(line.strip()) else osp.join(
                    base, line.strip()) for line in f if line.strip()
            ]
    else:
        raise FileNotFoundError(
            f'{source!r} is neither a folder of images nor a list file.')
    if not paths:
        raise ValueError(f'{source}: no images found (extensions '
                         f'{IMAGE_EXTENSIONS}).')
    seen: Dict[str, str] = {}
    for path in paths:
        name = osp.basename(path)
        if name in seen:
            raise ValueError(
                f'{source}: {seen[name]} and {path} share the base name '
                f'{name!r}, which is the key of the proposals file.')
        seen[name] = path
    return paths


def require_contrib(module: str):
    """Return ``cv2`` if it has the contrib ``module``, else raise.

    Args:
        module (str): ``'ximgproc'`` or ``'saliency'``.

    Returns:
        module: ``cv2``.

    Raises:
        ImportError: Naming the package to install.
    """
    import cv2
    if not hasattr(cv2, module):
        raise ImportError(
            f'cv2.{module} is missing: this OpenCV ({cv2.__version__}) has '
            f'no contrib modules. {CONTRIB_HINT}.')
    return cv2


def check_bing_models(model_dir: str) -> None:
    """Raise unless ``model_dir`` holds the 9 ObjNessB2W8* BING files.

    Args:
        model_dir (str): Folder of the trained BING model.

    Raises:
        FileNotFoundError: Listing the missing files.
    """
    missing = [
        name for name in BING_MODELS
        if not osp.isfile(osp.join(model_dir, name))
    ]
    if missing:
        raise FileNotFoundError(
            f'BING model folder {model_dir!r} lacks {missing}. Copy '
            'opencv_contrib/modules/saliency/samples/ObjectnessTrainedModel '
            '(not shipped in the pip wheel) and pass that folder.')


class SelectiveSearch:
    """Selective search proposals (``cv2.ximgproc.segmentation``).

    Args:
        mode (str): ``'fast'`` or ``'quality'``.
    """

    def __init__(self, mode: str = 'fast'):
        if mode not in ('fast', 'quality'):
            raise ValueError(f"mode must be 'fast' or 'quality', got {mode}.")
        self.mode = mode

    def __call__(self, img: np.ndarray) -> Tuple[np.ndarray, None]:
        cv2 = require_contrib('ximgproc')
        search = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
        search.setBaseImage(img)
        if self.mode == 'fast':
            search.switchToSelectiveSearchFast()
        else:
            search.switchToSelectiveSearchQuality()
        rects = np.asarray(search.process(), np.float64).reshape(-1, 4)
        rects[:, 2:] += rects[:, :2]
        return rects, None


class Bing:
    """BING objectness proposals (``cv2.saliency.ObjectnessBING``).

    Args:
        model_dir (str): Folder with the ObjNessB2W8* files.
    """

    def __init__(self, model_dir: str):
        check_bing_models(model_dir)
        self.model_dir = model_dir

    def __call__(self, img: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        cv2 = require_contrib('saliency')
        bing = cv2.saliency.ObjectnessBING_create()
        bing.setTrainingPath(self.model_dir)
        ok, boxes = bing.computeSaliency(img)
        if not ok or boxes is None:
            return np.zeros((0, 4)), np.zeros(0)
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        scores = np.asarray(bing.getobjectnessValues(), np.float64)
        if len(scores) != len(boxes):
            # Without one value per box the only order left is OpenCV's.
            scores = np.linspace(1.0, 0.0, len(boxes))
        order = np.argsort(-scores, kind='stable')
        return boxes[order], scores[order]


class ImageProposer:
    """Read one image, run a proposal function, keep the best boxes.

    Boxes are kept in the function's order, or by descending score when it
    returns scores; then the first ``top_k``. Picklable, so it runs in
    worker processes.

    Args:
        propose (ProposalFn): Image (BGR uint8) -> (boxes, scores).
        top_k (int): Boxes kept per image (0 = all).
        max_side (int): Downscale images whose long side exceeds this
            before proposing (0 = never); boxes are scaled back.
        min_box_size (float): Drop boxes with a side below this (pixels of
            the original image).
    """

    def __init__(self, propose: ProposalFn, top_k: int, max_side: int,
                 min_box_size: float):
        self.propose = propose
        self.top_k = top_k
        self.max_side = max_side
        self.min_box_size = min_box_size

    def __call__(self, path: str) -> Tuple[str, dict]:
        import cv2
        cv2.setNumThreads(1)
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f'{path}: not a readable image.')
        height, width = img.shape[:2]
        scale = 1.0
        if self.max_side and max(height, width) > self.max_side:
            scale = self.max_side / max(height, width)
            img = cv2.resize(img, (max(1, round(width * scale)),
                                   max(1, round(height * scale))),
                             interpolation=cv2.INTER_AREA)
        boxes, scores = self.propose(img)
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4) / scale
        boxes = np.clip(boxes, 0, [width, height, width, height])
        keep = ((boxes[:, 2] - boxes[:, 0] >= max(self.min_box_size, 1e-3))
                & (boxes[:, 3] - boxes[:, 1] >= max(self.min_box_size,
                                                    1e-3)))
        boxes = boxes[keep]
        if scores is not None:
            scores = np.asarray(scores, np.float64).reshape(-1)[keep]
            order = np.argsort(-scores, kind='stable')
            boxes, scores = boxes[order], scores[order]
        if self.top_k:
            boxes = boxes[:self.top_k]
            scores = None if scores is None else scores[:self.top_k]
        return osp.basename(path), dict(
            boxes=boxes.astype(np.float32), scores=scores, width=width,
            height=height)


def run(paths: List[str],
        out: str,
        proposer: Callable[[str], Tuple[str, dict]],
        workers: int = 1,
        resume: bool = False,
        save_every: int = 200,
        generator: str = '') -> Dict[str, dict]:
    """Propose boxes for every image and write ``out`` (resumable).

    Args:
        paths (list[str]): Images.
        out (str): ``.json`` or ``.npz`` output.
        proposer (callable): Path -> (key, entry), e.g. ImageProposer.
        workers (int): Processes (1 = in this process). Defaults to 1.
        resume (bool): Keep the images already in ``out``. Defaults to
            False.
        save_every (int): Rewrite ``out`` after this many new images.
            Defaults to 200.
        generator (str): Free text stored in the file. Defaults to ''.

    Returns:
        dict[str, dict]: All entries written.

    Raises:
        FileExistsError: If ``out`` exists and ``resume`` is False.
    """
    entries: Dict[str, dict] = {}
    if osp.exists(out):
        if not resume:
            raise FileExistsError(
                f'{out} exists; pass --resume to continue it or delete it.')
        table = load_proposals(out)
        for key in table.keys:
            boxes, scores, (width, height) = table.get(key)
            entries[key] = dict(boxes=boxes, scores=scores, width=width,
                                height=height)
    todo = [p for p in paths if osp.basename(p) not in entries]
    logger = MMLogger.get_current_instance()
    logger.info(f'{len(paths)} images, {len(paths) - len(todo)} already in '
                f'{out}, {len(todo)} to do with {workers} worker(s).')
    progress = ProgressBar(len(todo), file=sys.stderr) if todo else None
    since_save = 0

    def record(results: Iterable[Tuple[str, dict]]) -> None:
        nonlocal since_save
        for key, entry in results:
            entries[key] = entry
            since_save += 1
            progress.update()
            if since_save >= save_every:
                save_proposals(out, entries, complete=False,
                               generator=generator)
                since_save = 0

    if workers > 1 and todo:
        with multiprocessing.get_context('fork').Pool(workers) as pool:
            record(pool.imap_unordered(proposer, todo, chunksize=4))
    else:
        record(map(proposer, todo))
    save_proposals(out, entries, complete=True, generator=generator)
    logger.info(f'Wrote proposals of {len(entries)} images to {out}.')
    return entries


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv (list[str], optional): Arguments; ``sys.argv[1:]`` if None.

    Returns:
        argparse.Namespace: Options.
    """
    parser = argparse.ArgumentParser(
        description='Write a proposals file (selective search or BING).')
    parser.add_argument('source', help='image folder or list file')
    parser.add_argument('out', help='output .json or .npz')
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--top-k', type=int, default=10,
                        help='boxes per image, 0 = all (default 10, as '
                        'the reference kept)')
    parser.add_argument('--mode', choices=['fast', 'quality'],
                        default='fast', help='selective search strategy')
    parser.add_argument('--bing', metavar='MODEL_DIR',
                        help='use BING with this ObjNessB2W8* model folder')
    parser.add_argument('--max-side', type=int, default=500,
                        help='downscale larger images first (0 = never)')
    parser.add_argument('--min-box-size', type=float, default=8,
                        help='drop boxes with a side below this (px)')
    parser.add_argument('--save-every', type=int, default=200)
    parser.add_argument('--resume', action='store_true')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Command-line entry point."""
    args = parse_args(argv)
    if not args.out.endswith(('.json', '.npz')):
        raise ValueError(f'{args.out}: the output must end in .json/.npz.')
    if args.bing:
        propose, generator = Bing(args.bing), f'bing {args.bing}'
        require_contrib('saliency')
    else:
        propose = SelectiveSearch(args.mode)
        generator = f'selective_search mode={args.mode}'
        require_contrib('ximgproc')
    generator += (f' top_k={args.top_k} max_side={args.max_side} '
                  f'min_box_size={args.min_box_size}')
    proposer = ImageProposer(propose, args.top_k, args.max_side,
                             args.min_box_size)
    run(list_images(args.source), args.out, proposer, args.workers,
        args.resume, args.save_every, generator)


if __name__ == '__main__':
    main()

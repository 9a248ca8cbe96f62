"""``DumpCAMs``: one NPZ file of offline multi-scale CAMs per image.

The files of OASS stage 2 (docs/reference/oass.md, "Offline CAMs"),
written by ``tools/oass/make_cams.py`` and read by the CAM-box and picture
tools. ``<out_dir>/<stem>.npz``, ``stem`` the image file's base name
without its extension, an uncompressed ``np.savez`` archive readable with
``allow_pickle=False``, holding exactly:

============  =========  ============================================
key           dtype      content
============  =========  ============================================
``keys``      int64      ``(K,)`` class indices of the maps, ascending
``cam``       float32    ``(K, ceil(H/4), ceil(W/4))`` stride-4 CAMs
``high_res``  float32    ``(K, H, W)`` CAMs at the image's size, in
                         [0, 1]
``img_key``   str        the image file's base name with extension
``classes``   str        ``(C,)`` all class names of the model
``scores``    float32    ``(C,)`` multi-scale sigmoid probabilities
============  =========  ============================================

Each map is its class's summed multi-scale map over its max + 1e-5, so
its max is just below 1 (0 everywhere when the class never fired). K is
the labels (training images) or the predicted classes (test images).
:func:`load_cam_file` reads and checks one file.
"""
import os
import os.path as osp
import zipfile
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from mmmlc.registry import METRICS

CAM_FILE_KEYS = ('keys', 'cam', 'high_res', 'img_key', 'classes', 'scores')


def cam_file_path(out_dir: str, img_path: str) -> str:
    """``<out_dir>/<stem>.npz`` of an image path."""
    stem = osp.splitext(osp.basename(img_path))[0]
    return osp.join(out_dir, stem + '.npz')


def save_cam_file(path: str, keys, cam, high_res, img_key: str,
                  classes: Sequence[str], scores) -> None:
    """Write one image's CAM file (atomically: temporary file, rename).

    Args:
        path (str): The ``.npz`` to write.
        keys: ``(K,)`` class indices.
        cam: ``(K, h4, w4)`` stride-4 CAMs.
        high_res: ``(K, H, W)`` full-resolution CAMs.
        img_key (str): The image's base name with extension.
        classes (Sequence[str]): All C class names.
        scores: ``(C,)`` probabilities.
    """
    arrays = dict(
        keys=np.asarray(keys, np.int64).reshape(-1),
        cam=np.asarray(cam, np.float32),
        high_res=np.asarray(high_res, np.float32),
        img_key=np.array(str(img_key)),
        classes=np.array([str(c) for c in classes]),
        scores=np.asarray(scores, np.float32).reshape(-1))
    _check_arrays(path, arrays)
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'wb') as f:
        np.savez(f, **arrays)
    os.replace(tmp, path)


def _check_arrays(path: str, arrays: Dict[str, np.ndarray]) -> None:
    """Shapes and dtypes of a CAM file's arrays; errors name ``path``."""
    keys, cam, high_res = arrays['keys'], arrays['cam'], arrays['high_res']
    classes, scores = arrays['classes'], arrays['scores']
    num = len(classes)
    problems = []
    if keys.ndim != 1 or keys.dtype.kind not in 'iu':
        problems.append(f'keys must be 1-D integers, got {keys.dtype} '
                        f'{keys.shape}')
    elif len(keys) and (keys.min() < 0 or keys.max() >= num
                        or len(np.unique(keys)) != len(keys)):
        problems.append(f'keys {keys.tolist()} must be distinct indices '
                        f'into the {num} classes')
    for name, arr in (('cam', cam), ('high_res', high_res)):
        if arr.ndim != 3 or len(arr) != len(keys):
            problems.append(f'{name} must be (K={len(keys)}, h, w), got '
                            f'{arr.shape}')
        elif arr.size and not (np.isfinite(arr).all() and arr.min() >= 0
                               and arr.max() <= 1):
            problems.append(f'{name} must hold values in [0, 1], got '
                            f'{np.nanmin(arr)} .. {np.nanmax(arr)}')
    if classes.ndim != 1 or classes.dtype.kind != 'U' or num == 0:
        problems.append(f'classes must be a non-empty 1-D str array, got '
                        f'{classes.dtype} {classes.shape}')
    if scores.shape != (num, ):
        problems.append(f'scores must be ({num},), got {scores.shape}')
    if arrays['img_key'].shape != () or arrays['img_key'].dtype.kind != 'U':
        problems.append('img_key must be one str')
    if problems:
        raise ValueError(f'CAM file {path}: ' + '; '.join(problems))


def load_cam_file(path: str,
                  expected_classes: Optional[Sequence[str]] = None) -> dict:
    """Read and check one CAM file (the format of this module).

    Args:
        path (str): A ``.npz`` written by :class:`DumpCAMs`.
        expected_classes (Sequence[str], optional): The class names the
            reader works with; the file must hold the same list.

    Returns:
        dict: ``keys``, ``cam``, ``high_res``, ``scores`` as arrays,
        ``img_key`` as str and ``classes`` as a list of str.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'CAM file {path} not found.')
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in CAM_FILE_KEYS if k not in data.files]
            if missing:
                raise KeyError(missing)
            arrays = {k: data[k] for k in CAM_FILE_KEYS}
    except KeyError as err:
        raise ValueError(
            f'CAM file {path} lacks {err.args[0]} (a CAM file holds '
            f'{list(CAM_FILE_KEYS)}; write it with tools/oass/'
            'make_cams.py).') from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        raise ValueError(
            f'CAM file {path} cannot be read ({type(err).__name__}: '
            f'{err}); it is truncated or corrupt, or not an NPZ of '
            'tools/oass/make_cams.py: write it again.') from None
    _check_arrays(path, arrays)
    out = dict(arrays)
    out['img_key'] = str(arrays['img_key'][()])
    out['classes'] = [str(c) for c in arrays['classes']]
    if expected_classes is not None:
        expected = [str(c) for c in expected_classes]
        if out['classes'] != expected:
            raise ValueError(
                f'CAM file {path} was made for {len(out["classes"])} '
                f'classes {out["classes"]}, but {len(expected)} classes '
                f'{expected} are expected: the CAM dir belongs to another '
                'dataset or model.')
    return out


def _numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().float().cpu().numpy()
    return np.asarray(value)


@METRICS.register_module()
class DumpCAMs(BaseMetric):
    """Write every test image's multi-scale CAMs to ``out_dir``.

    Reads the fields :meth:`OASSClassifier.predict_multiscale_cams
    <mmmlc.models.classifiers.OASSClassifier.predict_multiscale_cams>`
    puts on each sample and writes the file of this module's format in
    :meth:`process`, so each rank of a distributed run writes the images
    of its share. The metric reports how many images were written
    (``cams/images``).

    Args:
        out_dir (str): Folder of the ``<stem>.npz`` files (created).
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'cams'``.
    """
    default_prefix: Optional[str] = 'cams'

    def __init__(self, out_dir: str, collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)

    def process(self, data_batch: Optional[dict],
                data_samples: Sequence[dict]) -> None:
        """Write one file per sample; keep only its name."""
        classes = (self.dataset_meta or {}).get('classes')
        if not classes:
            raise ValueError('DumpCAMs needs the class names in the '
                             "dataset's metainfo ('classes').")
        for sample in data_samples:
            missing = [k for k in ('cam_keys', 'cam_stride4', 'cam_high_res',
                                   'pred_score', 'img_path')
                       if k not in sample]
            if missing:
                raise ValueError(
                    f'DumpCAMs: sample {sample.get("img_path", "?")} lacks '
                    f'{missing}; the model must predict multi-scale CAMs '
                    "(OASSClassifier with multiscale_cam set, as "
                    'tools/oass/make_cams.py does) and the pipeline must '
                    'pack img_path.')
            img_key = osp.basename(sample['img_path'])
            path = cam_file_path(self.out_dir, img_key)
            save_cam_file(path, _numpy(sample['cam_keys']),
                          _numpy(sample['cam_stride4']),
                          _numpy(sample['cam_high_res']), img_key, classes,
                          _numpy(sample['pred_score']))
            self.results.append(dict(img_key=img_key))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """The number of images written (all ranks)."""
        MMLogger.get_current_instance().info(
            f'Wrote the CAMs of {len(results)} images to {self.out_dir}')
        return dict(images=len(results))

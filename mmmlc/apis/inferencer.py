"""``MultiLabelInferencer``: a trained model as a callable on images."""
import os.path as osp
from math import ceil
from typing import Callable, Iterator, List, Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, default_collate
from mmengine.fileio import get as read_bytes
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from mmengine.utils import scandir
from mmpretrain.apis.base import BaseInferencer
from mmpretrain.datasets import remove_transform
from mmpretrain.structures import DataSample
from mmpretrain.utils import track

from mmmlc.registry import TRANSFORMS
from .model import init_multilabel_model
from .thresholds import decide_labels, load_thresholds, thresholds_path_for

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                  '.tiff', '.webp')
InputType = Union[str, np.ndarray]


def list_images(folder: str) -> List[str]:
    """Image files under ``folder`` (recursive, by extension), sorted."""
    return sorted(
        osp.join(folder, name)
        for name in scandir(folder, recursive=True)
        if name.lower().endswith(IMG_EXTENSIONS))


class MultiLabelInferencer(BaseInferencer):
    """Per-class probabilities and predicted labels of a multi-label model.

    In the style of mmpretrain's ``ImageClassificationInferencer``: built
    from a config and a checkpoint, called on an image path, a BGR array
    (``(H, W, 3)`` uint8, as cv2 and mmcv read images), a folder (every
    image under it, with a progress bar) or a list of these; the images go
    through the config's test pipeline and the model's ``test_step`` in
    batches. Class names come from the checkpoint's ``dataset_meta``.

    The labels follow one rule (see :mod:`mmmlc.apis.thresholds`): the
    per-class thresholds of a file written by
    ``tools/analysis_tools/fit_thresholds.py`` (found beside the checkpoint
    by default), else the global ``thr``; ``topk`` also keeps only the k
    highest scores. An image that cannot be read is reported by name and
    skipped; its entry in the results holds ``error`` instead of scores.

    Example:
        >>> inferencer = MultiLabelInferencer(CONFIG, 'epoch_8.pth')
        >>> result = inferencer('photo.jpg')[0]
        >>> result['pred_class'], result['pred_scores']

    Args:
        model (str | Config | BaseModel): Config file or object, or a
            model made by :func:`init_multilabel_model`.
        pretrained (str, optional): Checkpoint; needed unless ``model`` is
            a built model.
        device (str | torch.device, optional): Defaults to ``'cpu'``.
        thresholds (str, optional): A thresholds JSON file; ``'auto'``
            (default) takes ``<checkpoint stem>.thresholds.json`` when it
            exists; None uses ``thr``.
        thr (float, optional): Global threshold when no per-class file is
            used; None with ``topk`` for top-k only. Defaults to 0.5.
        topk (int, optional): Keep at most the k highest scores.
        weights (str, optional): ``'ema'`` / ``'raw'`` weights of the
            checkpoint; None for what its ``state_dict`` holds.
        classes (Sequence[str], optional): Class names for a checkpoint
            without ``dataset_meta``.
    """
    visualize_kwargs: set = {'show_dir', 'draw_score'}

    def __init__(self,
                 model: Union[str, Config, BaseModel],
                 pretrained: Optional[str] = None,
                 device: Union[str, torch.device, None] = None,
                 thresholds: Optional[str] = 'auto',
                 thr: Optional[float] = 0.5,
                 topk: Optional[int] = None,
                 weights: Optional[str] = None,
                 classes: Optional[Sequence[str]] = None) -> None:
        if not isinstance(model, BaseModel):
            if pretrained is None:
                raise ValueError('give the checkpoint (pretrained=...) with '
                                 'a config')
            model = init_multilabel_model(model, pretrained, device or 'cpu',
                                          weights, classes)
        elif device is not None:
            model.to(device)
        super().__init__(model, pretrained=None)
        self.classes = list(model._dataset_meta['classes'])
        if thresholds == 'auto':
            found = pretrained and thresholds_path_for(pretrained)
            thresholds = found if found and osp.isfile(found) else None
        self.thresholds_file = thresholds
        if thresholds is not None:
            thr = load_thresholds(thresholds, self.classes)['thresholds']
        if thr is None and topk is None:
            raise ValueError('give thr, topk or a thresholds file')
        self.thr = thr
        self.topk = topk

    def _init_pipeline(self, cfg: Config) -> Callable:
        steps = remove_transform(cfg.test_dataloader.dataset.pipeline,
                                 'LoadImageFromFile')
        return Compose([TRANSFORMS.build(step) for step in steps])

    def _inputs_to_list(self, inputs) -> list:
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        items = []
        for item in inputs:
            if isinstance(item, str) and osp.isdir(item):
                items.extend(list_images(item))
            else:
                items.append(item)
        return items

    @staticmethod
    def _read(item: InputType) -> dict:
        """Decode like mmcv's ``LoadImageFromFile`` (cv2, BGR, uint8)."""
        if isinstance(item, np.ndarray):
            img, path = item, None
        else:
            path = str(item)
            img = mmcv.imfrombytes(read_bytes(path), flag='color')
            if img is None:
                raise ValueError('not a decodable image')
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f'expected an (H, W, 3) image, got {img.shape}')
        data = dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        if path is not None:
            data['img_path'] = path
        return data

    def _batches(self, inputs: list, batch_size: int,
                 errors: dict) -> Iterator[Tuple[List[int], dict]]:
        """Yield (input indices, collated batch); unreadable ones go to
        ``errors`` (index -> message) and are logged by name."""
        logger = MMLogger.get_current_instance()
        indices, items = [], []
        for i, item in enumerate(inputs):
            try:
                items.append(self.pipeline(self._read(item)))
                indices.append(i)
            except Exception as err:  # any reason: report it, go on
                name = item if isinstance(item, str) else f'array #{i}'
                errors[i] = f'{type(err).__name__}: {err}'
                logger.warning(f'Cannot read image {name}: {errors[i]}; '
                               'skipped')
            if len(items) == batch_size:
                yield indices, default_collate(items)
                indices, items = [], []
        if items:
            yield indices, default_collate(items)

    def __call__(self,
                 inputs: Union[InputType, Sequence[InputType]],
                 batch_size: int = 1,
                 show_dir: Optional[str] = None,
                 draw_score: bool = True,
                 return_datasamples: bool = False,
                 progress: Optional[bool] = None) -> list:
        """Predict every input.

        Args:
            inputs: A path, an array, a folder or a list of these.
            batch_size (int): Images per forward pass.
            show_dir (str, optional): Draw the predicted labels on each
                image and save it there (under the input's file name).
            draw_score (bool): Write the scores beside the labels.
            return_datasamples (bool): Return mmpretrain ``DataSample`` s
                (``pred_score``, ``pred_label``) instead of dicts.
            progress (bool, optional): Show a progress bar; None shows it
                when a folder is among the inputs.

        Returns:
            list: One entry per image, in input order (a folder expands to
            its sorted images): a dict with ``img_path`` (None for arrays),
            ``pred_scores`` (C,) float32, ``pred_label`` (list of indices),
            ``pred_class`` (list of names), or with ``img_path`` and
            ``error`` for an image that could not be read.
        """
        given = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        if progress is None:
            progress = any(isinstance(x, str) and osp.isdir(x) for x in given)
        ori_inputs = self._inputs_to_list(inputs)
        errors, preds = {}, [None] * len(ori_inputs)
        batches = self._batches(ori_inputs, batch_size, errors)
        if progress:
            batches = track(batches, 'Inference',
                            total=ceil(len(ori_inputs) / batch_size))
        for indices, data in batches:
            for i, sample in zip(indices, self.forward(data)):
                preds[i] = self._decide(sample)
        if show_dir is not None:
            self.visualize(ori_inputs, preds, show_dir=show_dir,
                           draw_score=draw_score)
        if errors:
            MMLogger.get_current_instance().warning(
                f'{len(errors)} of {len(ori_inputs)} images could not be '
                f'read and were skipped; predicted '
                f'{len(ori_inputs) - len(errors)}')
        return self.postprocess(preds, ori_inputs, errors,
                                return_datasamples)

    def _decide(self, sample: DataSample) -> DataSample:
        scores = sample.pred_score.detach().float().cpu()
        if scores.numel() != len(self.classes):
            raise ValueError(f'the model predicts {scores.numel()} scores '
                             f'for {len(self.classes)} class names')
        labels = decide_labels(scores.numpy(), self.thr, self.topk)
        sample.set_pred_score(scores)
        sample.set_pred_label(torch.from_numpy(np.flatnonzero(labels)))
        return sample

    def visualize(self,
                  inputs: list,
                  preds: List[Optional[DataSample]],
                  show_dir: Optional[str] = None,
                  draw_score: bool = True) -> None:
        """Save each image with its predicted labels drawn on it."""
        if show_dir is None:
            return
        from mmpretrain.visualization import UniversalVisualizer
        visualizer = UniversalVisualizer()
        for i, (item, pred) in enumerate(zip(inputs, preds)):
            if pred is None:
                continue
            img = self._read(item)['img'][..., ::-1]  # BGR -> RGB
            name = (osp.basename(item)
                    if isinstance(item, str) else f'array_{i}.png')
            visualizer.visualize_cls(
                img, pred, classes=self.classes, draw_gt=False,
                draw_score=draw_score,
                rescale_factor=max(1.0, 256 / max(img.shape[:2])),
                out_file=osp.join(show_dir, name))

    def postprocess(self, preds: List[Optional[DataSample]], inputs: list,
                    errors: dict, return_datasamples: bool = False) -> list:
        """One result per input (see :meth:`__call__`)."""
        results = []
        for i, (item, pred) in enumerate(zip(inputs, preds)):
            path = item if isinstance(item, str) else None
            if pred is None:
                results.append(dict(img_path=path, error=errors[i]))
            elif return_datasamples:
                results.append(pred)
            else:
                labels = pred.pred_label.tolist()
                results.append(
                    dict(img_path=path,
                         pred_scores=pred.pred_score.numpy().astype(
                             np.float32),
                         pred_label=labels,
                         pred_class=[self.classes[j] for j in labels]))
        return results

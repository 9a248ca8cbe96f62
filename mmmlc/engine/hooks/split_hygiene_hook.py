"""Fail before training when the train and evaluation images overlap."""
import os.path as osp
from typing import Iterable, List

from mmengine.hooks import Hook

from mmmlc.registry import HOOKS


def check_disjoint_splits(train_ids: Iterable[str], eval_ids: Iterable[str],
                          train_file: str, eval_file: str) -> None:
    """Raise if an image id is in both splits.

    VOC 2012's ``train_aug`` (SBD) holds VOC2011 trainval images, so it
    overlaps the classification ``val`` split; train on it only with the
    segmentation ``val`` (docs/methods/oass.md, "Data: VOC 2012").

    Args:
        train_ids (Iterable[str]): Training image ids.
        eval_ids (Iterable[str]): Evaluation image ids.
        train_file (str): Training id list, for the message.
        eval_file (str): Evaluation id list, for the message.

    Raises:
        ValueError: Naming both files, the overlap and an example.
    """
    shared = sorted(set(train_ids) & set(eval_ids))
    if not shared:
        return
    hint = ''
    if 'train_aug' in osp.basename(str(train_file)):
        hint = (' train_aug (SBD) images come from VOC2011 trainval and '
                'overlap the classification val split: evaluate on '
                'ImageSets/Segmentation/val.txt (Protocol A) or train on '
                'ImageSets/Main/train.txt (Protocol B).')
    raise ValueError(
        f'Split leak: {len(shared)} images of the evaluation list '
        f'{eval_file} are also in the training list {train_file} (e.g. '
        f'{shared[:3]}).{hint}')


def _ids(dataset) -> List[str]:
    """Image ids of a dataset (``img_id`` or the image file's stem)."""
    dataset.full_init()
    return [
        info.get('img_id') or osp.splitext(osp.basename(info['img_path']))[0]
        for info in (dataset.get_data_info(i) for i in range(len(dataset)))
    ]


@HOOKS.register_module()
class SplitHygieneHook(Hook):
    """Check before training that no validation image is trained on.

    Reads the image ids of the train and val datasets and raises
    :func:`check_disjoint_splits`'s error on any overlap (a config
    without a val loop is not checked).
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        """Compare the train ids with the val ids."""
        if getattr(runner, '_val_loop', None) is None:
            return
        train = runner.train_dataloader.dataset
        val = runner.val_dataloader.dataset
        check_disjoint_splits(_ids(train), _ids(val),
                              getattr(train, 'ann_file', 'train'),
                              getattr(val, 'ann_file', 'val'))

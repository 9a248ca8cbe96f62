"""``NumClassesCheckHook``: the model's class count must match the data's."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmmlc.registry import HOOKS


@HOOKS.register_module()
class NumClassesCheckHook(Hook):
    """Stop before a loop starts if model and dataset count classes apart.

    A multi-label head with more outputs than the dataset has classes
    trains and scores the extra outputs silently; one with fewer fails deep
    in the loss with an index error. This hook compares, before training,
    validation and testing, ``len(dataset.metainfo['classes'])`` with the
    ``num_classes`` of the model's head and of its data preprocessor (the
    one-hot size), and raises a ``ValueError`` that names both numbers and
    the config key to set. Models without a classification head
    (self-supervised pretraining) and datasets without a class list are
    skipped.
    """

    priority = 'VERY_HIGH'

    @staticmethod
    def _check(runner, mode: str) -> None:
        loop = getattr(runner, f'{mode}_loop', None)
        loader = getattr(loop, 'dataloader', None)
        dataset = getattr(loader, 'dataset', None)
        classes = getattr(dataset, 'metainfo', {}).get('classes')
        if classes is None:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        found = {
            'model.head.num_classes':
            getattr(getattr(model, 'head', None), 'num_classes', None),
            'model.data_preprocessor.num_classes':
            getattr(getattr(model, 'data_preprocessor', None), 'num_classes',
                    None),
        }
        for key, num_classes in found.items():
            if num_classes is None or num_classes == len(classes):
                continue
            raise ValueError(
                f'{key} is {num_classes} but the {mode} dataset '
                f'({type(dataset).__name__}) has {len(classes)} classes '
                f'(first: {list(classes[:3])}); set {key}='
                f'{len(classes)} (and the head\'s loss weight, if it is '
                'scaled by the class count), or point the config at the '
                'dataset the model was made for.')

    def before_train(self, runner) -> None:
        self._check(runner, 'train')

    def before_val(self, runner) -> None:
        self._check(runner, 'val')

    def before_test(self, runner) -> None:
        self._check(runner, 'test')

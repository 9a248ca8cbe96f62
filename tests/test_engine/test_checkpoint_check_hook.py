"""``CheckpointCheckHook``: class names/order and keys of a checkpoint."""
import logging

import pytest
import torch

from mmmlc.engine.hooks import CheckpointCheckHook
from mmmlc.engine.hooks.checkpoint_check_hook import (class_permutation,
                                                      permute_class_tensors)


def test_class_permutation():
    assert class_permutation(['a', 'b', 'c'], ['c', 'a', 'b']) == [2, 0, 1]
    assert class_permutation(['a', 'b'], ['a', 'x']) is None
    assert class_permutation(['a', 'a'], ['a', 'a']) is None
    assert class_permutation(['a', 'b'], ['a', 'b', 'c']) is None


def test_permute_class_tensors():
    state = {
        'head.fc.weight': torch.tensor([[1., 1.], [2., 2.], [3., 3.]]),
        'head.fc.bias': torch.tensor([1., 2., 3.]),
        'backbone.w': torch.arange(3.),
        'neck.cooc': torch.arange(9.).view(3, 3),
    }
    done = permute_class_tensors(state, [2, 0, 1])
    assert done == ['head.fc.weight', 'head.fc.bias']
    assert state['head.fc.bias'].tolist() == [3., 1., 2.]
    assert state['head.fc.weight'][:, 0].tolist() == [3., 1., 2.]
    assert state['backbone.w'].tolist() == [0., 1., 2.]
    # Named keys: every axis of size C is a class axis.
    done = permute_class_tensors(state, [2, 0, 1], keys=['neck.cooc'])
    assert done == ['neck.cooc']
    assert state['neck.cooc'].tolist() == [[8., 6., 7.], [2., 0., 1.],
                                           [5., 3., 4.]]


class _Dataset:
    metainfo = dict(classes=('cat', 'dog'))


class _Loop:
    # Stands in for a built test loop.
    dataloader = type('Loader', (), {'dataset': _Dataset()})()


class _Runner:

    def __init__(self):
        from mmengine.runner import BaseLoop
        self._train_loop = None
        self._test_loop = type('TestLoop', (BaseLoop, ), {
            'run': lambda self: None,
            '__init__': lambda self: None,
            'dataloader': _Loop.dataloader})()
        self._load_from = 'ck.pth'
        self.model = torch.nn.Linear(3, 2)
        self.logger = logging.getLogger('ckpt-check-test')


def _checkpoint(classes, weight_shape=(2, 3)):
    return dict(
        meta=dict(dataset_meta=dict(classes=classes)),
        state_dict=dict(weight=torch.zeros(weight_shape),
                        bias=torch.tensor([1., 2.])))


def test_hook_at_test_time():
    runner = _Runner()
    hook = CheckpointCheckHook()
    hook.after_load_checkpoint(runner, _checkpoint(['cat', 'dog']))
    with pytest.raises(ValueError,
                       match=r"ck.pth was trained with the classes \['dog', "
                       r"'cat'\], but the test dataset has \['cat', 'dog'\]"):
        hook.after_load_checkpoint(runner, _checkpoint(['dog', 'cat']))
    with pytest.raises(ValueError, match='other names'):
        hook.after_load_checkpoint(runner, _checkpoint(['cow', 'dog']))
    remap = CheckpointCheckHook(remap_classes_by_name=True,
                                class_keys=['bias'])
    ckpt = _checkpoint(['dog', 'cat'])
    remap.after_load_checkpoint(runner, ckpt)
    assert ckpt['state_dict']['bias'].tolist() == [2., 1.]
    assert ckpt['meta']['dataset_meta']['classes'] == ['cat', 'dog']
    with pytest.raises(ValueError,
                       match=r"ck.pth does not fit the model for test: 0 "
                       r"missing keys \[\], 1 shape mismatches \['weight "
                       r"\(2, 4\) in the file vs \(2, 3\) in the model'\]"):
        hook.after_load_checkpoint(runner, _checkpoint(['cat', 'dog'],
                                                       (2, 4)))
    ckpt = _checkpoint(['cat', 'dog'])
    del ckpt['state_dict']['bias']
    with pytest.raises(ValueError, match=r"1 missing keys \['bias'\]"):
        hook.after_load_checkpoint(runner, ckpt)

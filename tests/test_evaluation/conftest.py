"""Shared set-up of the evaluation tests."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample


@pytest.fixture(autouse=True)
def mmmlc_scope():
    """Make ``mmmlc`` the default scope, whatever an earlier test left."""
    init_default_scope('mmmlc')


@pytest.fixture
def make_samples():
    """Build mmpretrain DataSamples as dicts, like a model's test_step
    outputs: ``make_samples(scores, gt_labels, difficult=None)``."""

    def samples(scores, gt_labels, difficult=None):
        out = []
        for i, (score, labels) in enumerate(zip(scores, gt_labels)):
            metainfo = {}
            if difficult is not None and difficult[i]:
                metainfo['gt_label_difficult'] = difficult[i]
            sample = DataSample(metainfo=metainfo).set_pred_score(
                torch.as_tensor(score, dtype=torch.float32)).set_gt_label(
                    labels)
            out.append(sample.to_dict())
        return out

    return samples

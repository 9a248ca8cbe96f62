import pytest
import torch

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmpretrain.models.utils import SelfSupDataPreprocessor

from mmmlc.registry import MODELS
from mmmlc.testing import HostTransferGuard

NORM = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)


def _batch(num_views):
    gen = torch.Generator().manual_seed(0)
    views = [
        torch.randint(0, 256, (4, 3, 8 + 2 * i, 8 + 2 * i),
                      generator=gen, dtype=torch.uint8)
        for i in range(num_views)
    ]
    return dict(inputs=views, data_samples=None)


@pytest.mark.parametrize('to_rgb', [True, False])
def test_equals_mmpretrain_selfsup_preprocessor(to_rgb):
    cfg = dict(NORM, to_rgb=to_rgb)
    ours = MODELS.build(dict(type='MultiViewDataPreprocessor', **cfg))
    theirs = SelfSupDataPreprocessor(**cfg)
    data = _batch(3)
    got = ours(data)['inputs']
    want = theirs(data)['inputs']
    assert len(got) == 3
    for g, w in zip(got, want):
        assert g.dtype == torch.float32
        torch.testing.assert_close(g, w, rtol=0, atol=0)
    # A single tensor (one view) goes the same way.
    one = dict(inputs=data['inputs'][0], data_samples=None)
    torch.testing.assert_close(
        ours(one)['inputs'], theirs(one)['inputs'], rtol=0, atol=0)


def test_rgb_swap_reverses_channels():
    pre = MODELS.build(
        dict(type='MultiViewDataPreprocessor', mean=[0, 0, 0],
             std=[1, 1, 1], to_rgb=True))
    bgr = torch.zeros(1, 3, 2, 2, dtype=torch.uint8)
    bgr[:, 0] = 10  # blue
    bgr[:, 2] = 30  # red
    out = pre(dict(inputs=[bgr], data_samples=None))['inputs'][0]
    assert out[0, 0].eq(30).all() and out[0, 2].eq(10).all()


def test_channels_last_output():
    pre = MODELS.build(
        dict(type='MultiViewDataPreprocessor', channels_last=True, **NORM))
    views = pre(_batch(2))['inputs']
    for view in views:
        assert view.is_contiguous(memory_format=torch.channels_last)
        assert not view.is_contiguous()
    plain = MODELS.build(dict(type='MultiViewDataPreprocessor', **NORM))
    for a, b in zip(views, plain(_batch(2))['inputs']):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_rejects_pseudo_collate():
    pre = MODELS.build(dict(type='MultiViewDataPreprocessor', **NORM))
    with pytest.raises(TypeError, match='default_collate'):
        pre([torch.zeros(3, 4, 4, dtype=torch.uint8)])


def test_no_host_transfer_on_device():
    """mmpretrain's list index is a host-to-device copy; ours has none."""
    data = _batch(2)
    data['inputs'] = [v.to('meta') for v in data['inputs']]
    ours = MODELS.build(dict(type='MultiViewDataPreprocessor',
                             **NORM)).to('meta')
    guard = HostTransferGuard()
    with guard:
        out = ours(data)['inputs']
    assert guard.transfers == []
    assert all(view.device.type == 'meta' for view in out)
    # The control: the guard sees an index list made on the host (what a
    # channel swap by Python list is on CUDA, a blocking host-to-device copy).
    guard = HostTransferGuard()
    with guard:
        data['inputs'][0][:, torch.tensor([2, 1, 0])]
    assert guard.transfers

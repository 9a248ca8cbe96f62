"""load_local_checkpoint: weights_only loading, optionally memory-mapped."""
import pytest
import torch

from mmmlc.utils.safe_checkpoint import (UnsafeCheckpointError,
                                         load_local_checkpoint)


class Unsafe:
    """An object weights_only loading refuses."""


def test_mmap_gives_the_same_tensors(tmp_path):
    torch.manual_seed(0)
    state = {'head.fc.weight': torch.randn(3, 5), 'backbone.w': torch.ones(2)}
    path = str(tmp_path / 'ck.pth')
    torch.save(dict(state_dict=state, meta=dict(x=1)), path)
    full = load_local_checkpoint(path, 'cpu')
    mapped = load_local_checkpoint(path, 'cpu', mmap=True)
    assert mapped['meta'] == {'x': 1}
    for key, value in state.items():
        assert torch.equal(full['state_dict'][key], value)
        assert torch.equal(mapped['state_dict'][key], value)


def test_legacy_format_falls_back_to_a_full_read(tmp_path):
    path = str(tmp_path / 'legacy.pth')
    torch.save({'w': torch.arange(4.)}, path,
               _use_new_zipfile_serialization=False)
    assert torch.equal(
        load_local_checkpoint(path, 'cpu', mmap=True)['w'], torch.arange(4.))


def test_missing_file_and_unsafe_object(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_local_checkpoint(str(tmp_path / 'nope.pth'), mmap=True)
    path = str(tmp_path / 'evil.pth')
    torch.save({'obj': Unsafe()}, path)
    with pytest.raises(UnsafeCheckpointError):
        load_local_checkpoint(path, mmap=True)

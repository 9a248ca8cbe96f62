"""ObjectInstanceDataset: one sample per object box (the reference's unit)."""
import numpy as np
import pytest
from mmengine.dataset import BaseDataset

from mmmlc.datasets import ObjectInstanceDataset
from mmmlc.datasets.transforms import save_proposals
from mmmlc.registry import DATASETS

COUNTS = [2, 0, 3, 1]


class _BoxDataset(BaseDataset):
    """Images with 2, 0, 3 and 1 boxes; box k of image i is [i, k, ...]."""

    def load_data_list(self):
        return [
            dict(img_path=f'/d/img{i}.jpg', img_id=f'img{i}',
                 gt_bboxes=np.array([[i, k, i + 5, k + 5]
                                     for k in range(n)],
                                    np.float32).reshape(-1, 4))
            for i, n in enumerate(COUNTS)
        ]


def _dataset(**kwargs):
    return _BoxDataset(
        pipeline=[dict(type='SelectObjectBox', **kwargs)],
        serialize_data=False)


def test_length_index_and_pipeline():
    wrapped = ObjectInstanceDataset(_dataset())
    assert len(wrapped) == sum(COUNTS) == 6
    pairs = [wrapped.locate(i) for i in range(len(wrapped))]
    assert pairs == [(0, 0), (0, 1), (2, 0), (2, 1), (2, 2), (3, 0)]
    for i, (image, box) in enumerate(pairs):
        info = wrapped.get_data_info(i)
        assert info['object_index'] == box and info['img_id'] == f'img{image}'
        out = wrapped[i]
        assert out['object_box'].tolist() == [image, box, image + 5, box + 5]


def test_every_epoch_visits_each_object_once_and_per_image_varies():
    wrapped = ObjectInstanceDataset(_dataset())
    boxes = {tuple(wrapped[i]['object_box']) for i in range(len(wrapped))}
    assert len(boxes) == 6
    # The per-image unit (plain dataset) draws different boxes over visits.
    plain = _dataset()
    plain.full_init()
    np.random.seed(0)
    seen = {tuple(plain[2]['object_box']) for _ in range(40)}
    assert len(seen) == 3


def test_built_from_config_and_proposal_counts(tmp_path):
    path = str(tmp_path / 'p.json')
    save_proposals(path, {
        'img0.jpg': dict(boxes=np.ones((5, 4)) * [0, 0, 4, 4]),
        'img2.jpg': dict(boxes=np.ones((1, 4)) * [0, 0, 4, 4]),
    })
    wrapped = DATASETS.build(
        dict(type='ObjectInstanceDataset',
             dataset=_BoxDataset(serialize_data=False),
             box_source='proposals', proposal_file=path, top_k=3))
    assert len(wrapped) == 4  # min(5, 3) + 1; images 1 and 3 excluded
    assert [wrapped.locate(i) for i in range(4)] == [(0, 0), (0, 1), (0, 2),
                                                     (2, 0)]
    with pytest.raises(ValueError, match='proposal_file needs'):
        ObjectInstanceDataset(_dataset(), proposal_file=path)
    with pytest.raises(TypeError, match='BaseDataset'):
        ObjectInstanceDataset([1, 2])

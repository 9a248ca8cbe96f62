"""SelectObjectBox: per-image draws, per-object index, counted fallback."""
import logging

import numpy as np
import pytest
from mmengine.logging import MMLogger

from mmmlc.datasets.transforms import FallbackCounter, SelectObjectBox

BOXES = np.array([[0, 0, 10, 10], [20, 20, 40, 50], [5, 6, 7, 8]],
                 np.float32)


class _Collect(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def log_messages():
    logger = MMLogger.get_current_instance()
    handler = _Collect()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


def test_per_image_unit_draws_every_box_uniformly():
    np.random.seed(0)
    select = SelectObjectBox()
    picks = []
    for _ in range(600):
        out = select(dict(gt_bboxes=BOXES.copy()))
        assert out['object_fallback'] is False
        assert out['object_box'].dtype == np.float32
        picks.append(int(np.flatnonzero((BOXES == out['object_box']).all(
            axis=1))[0]))
    counts = np.bincount(picks, minlength=3)
    assert counts.min() > 150, counts


def test_per_object_index_and_source():
    out = SelectObjectBox()(dict(gt_bboxes=BOXES, object_index=1))
    assert out['object_box'].tolist() == [20, 20, 40, 50]
    out = SelectObjectBox(box_source='proposals')(
        dict(gt_bboxes=BOXES, proposals=BOXES[2:], object_index=0))
    assert out['object_box'].tolist() == [5, 6, 7, 8]
    with pytest.raises(IndexError, match='object_index 3'):
        SelectObjectBox()(dict(gt_bboxes=BOXES, object_index=3,
                               img_path='a.jpg'))
    with pytest.raises(ValueError, match='box_source'):
        SelectObjectBox(box_source='bing')


def test_fallback_is_counted_and_logged(log_messages):
    select = SelectObjectBox(log_interval=3)
    for i in range(7):
        out = select(dict(gt_bboxes=np.zeros((0, 4), np.float32),
                          img_path=f'img{i}.jpg'))
        assert out['object_fallback'] is True and 'object_box' not in out
    select(dict(img_path='nobox.jpg'))  # no gt_bboxes key at all
    assert select.fallbacks.count == 8
    logged = [m for m in log_messages if 'SelectObjectBox' in m]
    # First fallback, then every 3rd: counts 1, 3, 6.
    assert len(logged) == 3
    assert '6 sample(s)' in logged[-1] and 'img5.jpg' in logged[-1]


def test_fallback_counter_rejects_bad_interval():
    with pytest.raises(ValueError, match='log_interval'):
        FallbackCounter('x', 0)

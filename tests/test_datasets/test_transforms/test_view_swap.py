"""RandomViewSwap: ~50/50 order, exact swap, bad input."""
import numpy as np
import pytest

from mmmlc.datasets.transforms import RandomViewSwap


def test_order_is_about_half_and_half():
    np.random.seed(123)
    swap = RandomViewSwap()
    a, b = np.zeros((2, 2)), np.ones((2, 2))
    swapped = 0
    for _ in range(4000):
        out = swap(dict(img=[a, b]))
        first, second = out['img']
        if out['views_swapped']:
            assert first is b and second is a
            swapped += 1
        else:
            assert first is a and second is b
    assert abs(swapped / 4000 - 0.5) < 0.03


def test_probability_extremes_and_errors():
    a, b = object(), object()
    assert RandomViewSwap(prob=0.0)(dict(img=[a, b]))['img'] == [a, b]
    assert RandomViewSwap(prob=1.0)(dict(img=[a, b]))['img'] == [b, a]
    with pytest.raises(TypeError, match='list of 2 views'):
        RandomViewSwap()(dict(img=np.zeros((4, 4, 3))))
    with pytest.raises(TypeError, match='list of 2 views'):
        RandomViewSwap()(dict(img=[a, b, a]))
    with pytest.raises(ValueError, match='prob'):
        RandomViewSwap(prob=1.5)

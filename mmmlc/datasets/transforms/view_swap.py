"""Random order of the two views of a pair (Object-Object+Dilate)."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmmlc.registry import TRANSFORMS
from .select_box import sample_name


@TRANSFORMS.register_module()
class RandomViewSwap(BaseTransform):
    """Swap the two views made by ``MultiView`` with probability ``prob``.

    mmpretrain's ``MultiView`` writes ``results['img']`` as the list of
    views in pipeline order, and ``MoCo`` takes the first packed view as the
    query. The reference returns ``(A, B)`` or ``(B, A)`` with probability
    1/2 each, so either crop type is the query half of the time. Place it
    after ``MultiView`` and before ``PackInputs``.

    Required keys: ``img`` (list of 2 views). Modified: ``img``.
    Added: ``views_swapped`` (bool).

    Args:
        prob (float): Swap probability. Defaults to 0.5.
    """

    def __init__(self, prob: float = 0.5):
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}.')
        self.prob = prob

    @cache_randomness
    def _do_swap(self) -> bool:
        """Draw whether to swap."""
        return bool(np.random.rand() < self.prob)

    def transform(self, results: dict) -> dict:
        """Swap ``img[0]`` and ``img[1]`` with probability ``prob``.

        Args:
            results (dict): Result dict after ``MultiView``.

        Returns:
            dict: ``results`` with possibly swapped views.

        Raises:
            TypeError: If ``img`` is not a list of exactly two views.
        """
        views = results.get('img')
        if not isinstance(views, (list, tuple)) or len(views) != 2:
            raise TypeError(
                'RandomViewSwap expects results["img"] as a list of 2 views '
                '(put it after MultiView with 2 views in total), got '
                f'{type(views).__name__} for {sample_name(results)}.')
        swap = self._do_swap()
        if swap:
            results['img'] = [views[1], views[0]]
        results['views_swapped'] = swap
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob})'

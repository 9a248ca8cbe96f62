"""Poly learning rate with Puzzle-CAM's / IRNet's step count."""
from mmengine.optim import PolyLR

from mmmlc.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class PuzzleCAMPolyLR(PolyLR):
    r"""``PolyLR`` whose rate at step t is :math:`lr_0 (1 - t/T)^p`.

    The PolyOptimizer of Puzzle-CAM and IRNet sets
    :math:`lr_0 (1 - t / T)^{p}` for the T steps ``t = 0 .. T-1`` (the
    OASS recipe, docs/reference/oass.md, "Optimisation"); mmengine's
    ``PolyLR`` divides by ``T - 1`` instead and reaches ``eta_min`` on the
    last step. This class counts one step more and is otherwise
    ``PolyLR`` (same arguments, ``convert_to_iter_based`` included).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.total_iters += 1

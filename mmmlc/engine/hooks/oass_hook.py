"""OASS schedule hook: tells the model the current iteration."""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmmlc.registry import HOOKS


@HOOKS.register_module()
class OASSProgressHook(Hook):
    """Call ``model.set_progress(runner.iter, runner.max_iters)`` each step.

    OASS ramps the reconstruction weight :math:`\\alpha(t)` and turns the
    online object locations on after the warm-up, both from the global
    iteration t out of T (docs/methods/oass.md, "Recipe"). The iteration
    is counted from 0 over the whole run, so a resumed run continues the
    schedule exactly. Works with and without a DDP wrapper.
    """

    priority = 'NORMAL'

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[Sequence[dict]] = None) -> None:
        """Pass the iteration to the model."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not callable(getattr(model, 'set_progress', None)):
            raise TypeError('OASSProgressHook needs a model with a '
                            '`set_progress(iteration, max_iters)` method '
                            f'(OASSClassifier), got {type(model).__name__}.')
        model.set_progress(runner.iter, runner.max_iters)

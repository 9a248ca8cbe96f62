"""mmmlc models, registered in ``mmmlc.registry.MODELS``."""
from .selfsup import MoCoV2

__all__ = ['MoCoV2']
from . import (classifiers, data_preprocessors, heads,  # noqa: F401,E402
               losses, necks)

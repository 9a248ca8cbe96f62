"""mmmlc models, registered in ``mmmlc.registry.MODELS``."""
from . import classifiers, heads, losses, necks  # noqa: F401

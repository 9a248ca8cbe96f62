"""mmmlc: multi-label image classification on mmengine + mmpretrain."""
from .utils.compat import setup_compat

# Must run before anything imports ``mmpretrain.models``.
setup_compat()

from .version import __version__  # noqa: E402

__all__ = ['__version__']

"""Import a command-line script by path, to test its functions."""
import importlib.util
import os.path as osp
from types import ModuleType


def load_script(path: str) -> ModuleType:
    """Import the script at ``path`` as a module named after its file.

    The scripts under ``tools/`` and ``projects/`` are not a package; this
    runs one (its ``if __name__ == '__main__'`` block excluded) and returns
    the module, so tests call its ``main(argv)`` and functions directly.

    Args:
        path (str): The ``.py`` file.

    Returns:
        ModuleType: The imported module.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'no script at {path}')
    name = osp.splitext(osp.basename(path))[0]
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module

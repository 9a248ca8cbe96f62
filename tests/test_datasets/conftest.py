"""Fixtures shared by the dataset tests."""
import os
import os.path as osp

import pytest


@pytest.fixture
def hide():
    """A function that makes ``root/relative`` disappear.

    A folder is renamed (``'.'`` renames ``root`` itself), a file removed.
    """

    def _hide(root: str, relative: str) -> None:
        path = osp.normpath(osp.join(root, relative))
        if osp.isdir(path):
            os.rename(path, path + '_gone')
        else:
            os.remove(path)

    return _hide

"""Shared helpers of the tool tests."""
import importlib.util
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool_module(relative: str):
    """Import ``tools/<relative>`` (a script, not a package) as a module."""
    path = osp.join(REPO, 'tools', relative)
    spec = importlib.util.spec_from_file_location(
        'tool_' + osp.basename(relative)[:-3].replace('-', '_'), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def load_tool():
    """``load_tool('analysis_tools/class_activation_maps.py')``."""
    return load_tool_module

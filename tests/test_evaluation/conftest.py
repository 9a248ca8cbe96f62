"""The evaluation tests build metrics by their names in mmmlc's scope."""
import pytest
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True)
def mmmlc_scope():
    """Make ``mmmlc`` the default scope, whatever an earlier test left."""
    init_default_scope('mmmlc')

"""mmmlc.utils.setup_env: the process group is destroyed after a run."""
import torch.distributed as dist

from mmmlc.utils.setup_env import teardown_distributed


def test_teardown_destroys_the_group_and_is_a_no_op_without_one(tmp_path):
    teardown_distributed()  # nothing initialised: must not raise
    assert not dist.is_initialized()
    dist.init_process_group(
        'gloo', init_method=f'file://{tmp_path / "store"}', rank=0,
        world_size=1)
    assert dist.is_initialized()
    teardown_distributed()
    assert not dist.is_initialized()

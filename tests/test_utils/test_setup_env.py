"""mmmlc.utils.setup_env: the process group is destroyed after a run.

A gloo group still referenced when ``destroy_process_group`` returns is
freed in the interpreter's finalisers, where its unjoined worker threads
abort the rank. So the group object itself must be gone when
:func:`teardown_distributed` returns, once the Runner (whose DDP wrapper
holds the group) is dropped, and :func:`run` must drop its Runner first.
"""
import gc
import weakref

import torch
import torch.distributed as dist
from mmengine.config import Config
from torch.nn.parallel import DistributedDataParallel

from mmmlc.utils import setup_env
from mmmlc.utils.setup_env import teardown_distributed


def _init_group(tmp_path):
    dist.init_process_group(
        'gloo', init_method=f'file://{tmp_path / "store"}', rank=0,
        world_size=1)
    return weakref.ref(dist.distributed_c10d._get_default_group())


def test_teardown_destroys_the_group_and_is_a_no_op_without_one(tmp_path):
    teardown_distributed()  # nothing initialised: must not raise
    assert not dist.is_initialized()
    _init_group(tmp_path)
    assert dist.is_initialized()
    teardown_distributed()
    assert not dist.is_initialized()


def test_teardown_frees_the_group_once_ddp_in_a_cycle_is_dropped(tmp_path):
    group = _init_group(tmp_path)

    class Holder:  # a Runner-like owner in a reference cycle
        pass

    holder = Holder()
    holder.model = DistributedDataParallel(torch.nn.Linear(2, 1))
    holder.me = holder
    holder.model(torch.ones(3, 2)).sum().backward()
    del holder
    assert group() is not None  # the cycle still holds DDP and the group
    teardown_distributed()
    assert group() is None  # freed inside teardown, not at exit


def test_run_drops_its_runner_before_the_teardown(monkeypatch):
    runners, seen, events = [], [], []

    class FakeRunner:

        def __init__(self):
            self.me = self  # a cycle, as the real Runner's hooks make

        def register_hook(self, hook, priority):
            events.append(('hook', hook, priority))

        def train(self):
            events.append('train')

    def from_cfg(cfg):
        runner = FakeRunner()
        runners.append(weakref.ref(runner))
        return runner

    def teardown():
        gc.collect()
        seen.append(runners[0]() is None)

    monkeypatch.setattr(setup_env.Runner, 'from_cfg', from_cfg)
    monkeypatch.setattr(setup_env, 'teardown_distributed', teardown)
    monkeypatch.setattr(setup_env, 'setup_cpu_distributed', lambda *a: None)
    cfg = Config(dict(model=dict(type='X'), launcher='none'))
    setup_env.run(cfg, 'train', hooks=[('timer', 'LOWEST')])
    assert events == [('hook', 'timer', 'LOWEST'), 'train']
    assert seen == [True]

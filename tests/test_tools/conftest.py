"""Shared fixtures of the tool tests: run or import a repository script."""
import importlib.util
import os
import os.path as osp
import socket
import subprocess

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture
def free_port():
    """A TCP port free on this machine (for a torch.distributed run)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def run_in_repo():
    """``run(args, extra_env=None) -> output``: a command in the
    repository root with this checkout on PYTHONPATH and one OpenMP
    thread; a non-zero exit fails the test with the output's tail."""

    def run(args, extra_env=None, timeout=900):
        env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
        env.update(extra_env or {})
        proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=timeout)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out[-4000:]
        return out

    return run


@pytest.fixture
def load_tool():
    """``load(path) -> module``: a script under ``tools/`` imported by
    its repository path (tools are not a package)."""

    def load(path):
        name = osp.splitext(osp.basename(path))[0]
        spec = importlib.util.spec_from_file_location(
            name, osp.join(REPO, path))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture
def oass_digitscenes_config():
    """Path of the full-OASS DigitScenes config (stage 1 of the chain)."""
    return osp.join(REPO, 'configs/oass/'
                    'oass_resnet18_4xb8-poly-6e_digitscenes-64px.py')

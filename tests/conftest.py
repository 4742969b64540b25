"""Shared fixtures: the ``backend`` parametrization and a deterministic ``rng``."""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

from tests.backends import BACKENDS, DERIVATIVE_BACKENDS

# Tests of the Numba backend test its native code: sd.function waits for it (the
# background tier is tested on purpose in test_numba_tiers.py, with wait=False)
os.environ.setdefault("SYMDIFF_WAIT", "1")


def _backend_param(name: str):
    if name == "numba":
        return pytest.param(name, marks=pytest.mark.numba, id=name)
    return pytest.param(name, id=name)


def pytest_generate_tests(metafunc):
    """``backend``: each of BACKENDS (DERIVATIVE_BACKENDS in the derivative harness)."""
    if "backend" in metafunc.fixturenames:
        names = DERIVATIVE_BACKENDS if metafunc.module.__name__.endswith("test_ops_derivatives") else BACKENDS
        metafunc.parametrize("backend", [_backend_param(b) for b in names])


def seeded_rng(*keys) -> np.random.Generator:
    """A generator seeded from ``keys`` (stable across runs and processes)."""
    return np.random.default_rng(zlib.crc32("/".join(map(str, keys)).encode()))


@pytest.fixture
def rng(request) -> np.random.Generator:
    """A generator seeded from the test's node id: reproducible, different per test."""
    return seeded_rng(request.node.nodeid)


@pytest.fixture(scope="module")
def isolated_cache_dir(tmp_path_factory):
    """A fresh SYMDIFF_CACHE_DIR for one test module (compiles afresh, leaves no trace)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SYMDIFF_CACHE_DIR", str(tmp_path_factory.mktemp("sdcache")))
    yield
    mp.undo()

"""The Numba backend's disk cache: concurrent writers, damaged entries, warm loads."""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.numba

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np
    import symdiff as sd
    x = sd.vector("x", "n")
    f = sd.sum(sd.tanh(x) ** 2 + 0.25 * x)
    t = time.perf_counter()
    fn = sd.function([x], [f, sd.grad(f, x)], backend="numba")
    dt = time.perf_counter() - t
    v, g = fn(np.linspace(-1, 1, 5))
    assert abs(float(v) - float(np.sum(np.tanh(np.linspace(-1, 1, 5)) ** 2))) < 1e-12
    print(f"OK {dt:.3f}")
""")


def _child(cache: str) -> subprocess.Popen:
    env = dict(os.environ, SYMDIFF_CACHE_DIR=cache, PYTHONPATH=REPO)
    env.pop("NUMBA_CACHE_DIR", None)
    return subprocess.Popen([sys.executable, "-c", CHILD], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(p: subprocess.Popen) -> float:
    out, err = p.communicate(timeout=240)
    assert p.returncode == 0, err
    return float(out.split()[-1])


def test_two_processes_compile_the_same_graph_at_once(tmp_path):
    cache = str(tmp_path / "cache")
    procs = [_child(cache), _child(cache)]
    for p in procs:
        _finish(p)
    modules = glob.glob(os.path.join(cache, "sd_*.py"))
    assert len(modules) == 1
    assert not glob.glob(os.path.join(cache, ".tmp-*"))  # no temporary files left behind
    # a third process loads what the others left
    _finish(_child(cache))


def test_damaged_cache_entries_recompile(tmp_path):
    cache = str(tmp_path / "cache")
    _finish(_child(cache))
    (module,) = glob.glob(os.path.join(cache, "sd_*.py"))
    numba_files = glob.glob(os.path.join(cache, "__pycache__", "*.nb*"))
    assert numba_files, "numba's cache should live next to the module"
    # truncate Numba's index and data files
    for f in numba_files:
        with open(f, "r+b") as fh:
            fh.truncate(max(1, os.path.getsize(f) // 3))
    _finish(_child(cache))
    # truncate the generated module itself
    with open(module, "r+b") as fh:
        fh.truncate(os.path.getsize(module) // 2)
    _finish(_child(cache))
    with open(module) as fh:
        compile(fh.read(), module, "exec")  # rewritten whole


def test_in_process_cache_reuses_the_module(tmp_path, monkeypatch):
    import symdiff as sd

    monkeypatch.setenv("SYMDIFF_CACHE_DIR", str(tmp_path))
    x = sd.vector("x", "n")
    a = sd.function([x], sd.sum(sd.exp(x)), backend="numba")
    y = sd.vector("x", "n")  # a different symbol, the same structure
    b = sd.function([y], sd.sum(sd.exp(y)), backend="numba")
    assert a._compiled.jit is b._compiled.jit
    assert np.isclose(b(np.zeros(4)), 4.0)

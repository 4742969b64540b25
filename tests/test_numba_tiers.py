"""Compiling without waiting: the reference tier, background and parallel compiles, faults, logging."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import importlib

import symdiff as sd
from symdiff.backends.numba import compiler, planner

partition = importlib.import_module("symdiff.backends.numba.partition")  # the module, not the function

pytestmark = [pytest.mark.numba, pytest.mark.usefixtures("isolated_cache_dir")]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _rosenbrock():
    x = sd.vector("x", "n")
    f = sd.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    return x, [f, sd.grad(f, x)]


def _chain(steps, n=3):
    x = sd.vector("x", n)
    y = x
    for k in range(steps):
        y = sd.sin(y) * 0.5 + x * (0.1 * (k % 3))
    f = sd.sum(y * y)
    return x, [f, sd.grad(f, x)]


def _agree(fn, ins, outs, vals):
    ref = sd.function(ins, outs, backend="numpy")
    for a, b in zip(fn(*vals), ref(*vals)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_first_calls_run_on_the_reference_tier_until_native_code_is_ready():
    x, outs = _rosenbrock()
    v = np.linspace(-1.0, 1.5, 7)
    fn = sd.function([x], outs, backend="numba", wait=False)
    _agree(fn, [x], outs, [v])                         # served at once, whichever tier
    assert fn.wait(120) and fn.ready and fn.tier == "numba"
    _agree(fn, [x], outs, [v])
    again = sd.function([x], outs, backend="numba", wait=False)   # cached now: native at once
    assert again.tier == "numba"


def test_wait_blocks_until_native_code_runs():
    x, outs = _chain(5)
    fn = sd.function([x], outs, backend="numba", wait=True)
    assert fn.tier == "numba" and fn.ready
    _agree(fn, [x], outs, [np.array([0.3, -0.2, 1.1])])


def test_the_environment_sets_the_default(monkeypatch):
    x, outs = _chain(4)
    monkeypatch.setenv("SYMDIFF_WAIT", "0")
    fn = sd.function([x], outs, backend="numba")
    assert fn.wait(120) and fn.tier == "numba"


def _small_parts(monkeypatch, statements):
    """Cut graphs into parts of about ``statements`` (as large graphs are, at the default budgets)."""
    monkeypatch.setattr(planner, "NEST_BUDGET", statements)
    monkeypatch.setattr(planner, "SCALAR_NEST_BUDGET", statements)
    monkeypatch.setattr(partition, "PART_BUDGET", statements)


def test_a_large_graph_is_cut_into_parts_and_compiled_by_workers(monkeypatch, caplog):
    _small_parts(monkeypatch, 60)
    monkeypatch.setattr(compiler, "PARALLEL_MIN_STATEMENTS", 0)
    monkeypatch.setenv("SYMDIFF_COMPILE_WORKERS", "2")
    x, outs = _chain(30)
    started = []
    real = compiler.compile_in_workers
    monkeypatch.setattr(compiler, "compile_in_workers", lambda *a, **k: (started.append(a[2]), real(*a, **k)))
    with caplog.at_level(logging.INFO, logger="symdiff"):
        fn = sd.function([x], outs, backend="numba", wait=True)
    assert fn.tier == "numba" and len(fn._compiled.jits) >= 3
    assert started and started[0] == 2          # two worker processes
    assert any("compiled" in r.message and "worker" in r.message for r in caplog.records)
    _agree(fn, [x], outs, [np.array([0.3, -0.2, 1.1])])
    # the parts are cached by content: a second function with the same graph compiles nothing
    started.clear()
    sd.function([x], outs, backend="numba", wait=True)
    assert not started


def test_alike_parts_of_different_graphs_are_compiled_once(monkeypatch):
    _small_parts(monkeypatch, 40)
    monkeypatch.setenv("SYMDIFF_COMPILE_WORKERS", "0")
    x, outs = _chain(12)
    first = sd.function([x], outs, backend="numba", wait=True)
    y = sd.vector("y", 3)                          # another symbol, the same structure
    z = y
    for k in range(12):
        z = sd.sin(z) * 0.5 + y * (0.1 * (k % 3))
    g = sd.sum(z * z)
    before = set(compiler.cache._MEMO)
    second = sd.function([y], [g, sd.grad(g, y)], backend="numba", wait=True)
    assert set(compiler.cache._MEMO) == before     # every part was loaded already
    assert [j for j in second._compiled.jits] == [j for j in first._compiled.jits]


def test_a_worker_killed_mid_compile_leaves_the_function_on_the_reference_tier(monkeypatch):
    monkeypatch.setenv("SYMDIFF_COMPILE_WORKERS", "1")
    x, outs = _chain(120)                          # several seconds of Numba work
    with pytest.warns(RuntimeWarning, match=r"part 1 of \d+.*killed"):
        fn = sd.function([x], outs, backend="numba", wait=False)
        deadline = time.time() + 60
        while not compiler._LIVE and time.time() < deadline and not fn.ready:
            time.sleep(0.05)
        for p in list(compiler._LIVE):
            p.kill()
        assert fn.wait(120)
    assert fn.tier == "numpy"
    _agree(fn, [x], outs, [np.array([0.3, -0.2, 1.1])])


def test_a_numba_error_warns_and_keeps_the_reference_tier(monkeypatch):
    from symdiff.backends import loops as ir
    from symdiff.backends.numba import lowering as L

    monkeypatch.setattr(L.LOWERINGS["cosh"], "template",
                        lambda em, node, a: ir.Bin("+", ir.Call("reshape", (a[0], ir.Const(2))), a[0]))
    x = sd.vector("x", "n")
    with pytest.warns(RuntimeWarning, match="cosh"):
        fn = sd.function([x], sd.cosh(x) * 3.0, backend="numba", wait=True)
    assert fn.tier == "numpy"
    np.testing.assert_allclose(fn(np.array([0.0, 1.0])), 3 * np.cosh([0.0, 1.0]))


def test_calls_during_the_switch_from_other_threads(monkeypatch):
    x, outs = _chain(8)
    v = np.array([0.3, -0.2, 1.1])
    want = sd.function([x], outs, backend="numpy")(v)
    fn = sd.function([x], outs, backend="numba", wait=False)
    errors = []

    def work():
        try:
            while not fn.ready:
                for a, b in zip(fn(v), want):
                    np.testing.assert_allclose(a, b, rtol=1e-12)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors, errors[0]
    assert fn.tier == "numba"


def test_progress_line_for_a_long_compile(monkeypatch, capsys):
    from symdiff import reporting as log

    monkeypatch.setattr(log, "PROGRESS_AFTER", 0.0)
    monkeypatch.setenv("SYMDIFF_PROGRESS", "1")
    x, outs = _chain(6)
    sd.function([x], outs, backend="numba", wait=True)
    err = capsys.readouterr().err
    assert "symdiff: compiling" in err and "finished" in err


def test_import_does_not_load_numba_scipy_or_sympy():
    # building and differentiating needs none of them: Numba loads when code is compiled, SciPy when a
    # special function or triangular solve is evaluated, SymPy for nonlinear symbolic sizes
    code = ("import sys, symdiff as sd; x = sd.vector('x', 3); sd.grad(sd.sum(sd.erf(x) * x), x); "
            "print(sorted(m for m in ('numba', 'scipy', 'sympy') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=REPO))
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr + r.stdout


def test_planning_runs_off_the_callers_thread_and_a_failure_there_keeps_the_reference_tier(monkeypatch):
    import symdiff.backends.numba as backend

    def broken(*args, **kwargs):
        raise NotImplementedError("no lowering for this (a test)")

    monkeypatch.setattr(backend, "PreparedGraph", broken)
    monkeypatch.setattr(compiler, "_WARM", threading.Event())     # a process that has loaded nothing
    x, outs = _chain(3)
    with pytest.warns(RuntimeWarning, match="no lowering for this"):
        fn = sd.function([x], outs, backend="numba", wait=False)
        assert fn.wait(60)
    assert fn.tier == "numpy"
    _agree(fn, [x], outs, [np.array([0.3, -0.2, 1.1])])
    with pytest.raises(RuntimeError, match="could not generate code"):
        fn.source
    with pytest.raises(NotImplementedError, match="no lowering for this"):   # waiting: the error itself
        sd.function([x], outs, backend="numba", wait=True)

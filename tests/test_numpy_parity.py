"""Regressions: places where symdiff once gave a plausible wrong answer instead of NumPy's (or an error).

Each test runs on both backends (the ``backend`` fixture); the oracle is NumPy, SciPy or JAX's
documented behaviour, written out.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

import symdiff as sd


def _fn(inputs, outputs, backend):
    return sd.function(inputs, outputs, backend=backend, wait=True)


def test_relu_keeps_nan(backend):
    x = sd.vector("x", "n")
    fn = _fn([x], [sd.relu(x), sd.maximum(x, 0.0), sd.grad(sd.sum(sd.relu(x)), x)], backend)
    v = np.array([np.nan, -1.0, 0.0, 2.0, -np.inf, np.inf])
    relu, maximum, grad = fn(v)
    np.testing.assert_array_equal(relu, np.maximum(v, 0.0))   # NaN stays NaN, as NumPy's maximum
    np.testing.assert_array_equal(relu, maximum)
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0, 1.0, 0.0, 1.0])


def test_integer_to_a_negative_power_raises(backend):
    k = sd.vector("k", "n", dtype="int64")
    for y in (k ** -1, k ** -2, sd.power(k, -1)):
        fn = _fn([k], y, backend)   # simplified, as users get it
        with pytest.raises(ValueError, match="negative integer powers"):
            fn(np.array([1, 2, 0]))
        with pytest.raises(ValueError):
            np.power(np.array([1, 2, 0]), -1)   # NumPy raises the same way


def test_gradient_of_an_integer_cost_raises():
    x = sd.vector("x", 3)
    with pytest.raises(TypeError, match="int64"):
        sd.grad(sd.sum(sd.astype(x, "int64")), x)


def test_max_and_min_over_an_empty_axis_raise(backend):
    x = sd.vector("x", "n")
    for y in (sd.max(x), sd.min(x)):
        fn = _fn([x], y, backend)
        assert float(fn(np.array([2.0, -1.0]))) in (2.0, -1.0)
        with pytest.raises(ValueError, match="zero-size array"):
            fn(np.zeros(0))
    g = _fn([x], sd.grad(sd.max(x), x), backend)
    with pytest.raises(ValueError, match="zero-size array"):
        g(np.zeros(0))


def test_slices_of_symbolic_axes_follow_one_rule(backend):
    """A slice of a symbolic axis has length stop - start; where that does not fit, IndexError."""
    x = sd.vector("x", "n")
    head = _fn([x], sd.sum(x[:2]), backend)
    assert float(head(np.array([5.0, 1.0, 7.0]))) == 6.0
    with pytest.raises(IndexError, match="slice :2 is out of bounds for axis 0 with size 1"):
        head(np.array([5.0]))
    tail = _fn([x], x[1:], backend)
    np.testing.assert_array_equal(tail(np.array([1.0, 2.0])), [2.0])
    np.testing.assert_array_equal(tail(np.array([1.0])), np.zeros(0))
    with pytest.raises(IndexError, match="slice 1: is out of bounds"):
        tail(np.zeros(0))
    window = _fn([x], sd.grad(sd.sum(x[1:-1] ** 2), x), backend)
    np.testing.assert_array_equal(window(np.array([1.0, 2.0, 3.0])), [0.0, 4.0, 0.0])
    with pytest.raises(IndexError):
        window(np.array([1.0]))   # length -1 in the graph


def test_softmax_of_inf_is_nan_everywhere(backend):
    x = sd.vector("x", "n")
    fn = _fn([x], [sd.softmax(x), sd.log_softmax(x)], backend)
    soft, log_soft = fn(np.array([np.inf, -np.inf, 0.0]))
    assert np.isnan(soft).all() and np.isnan(log_soft).all()   # as scipy.special.softmax, jax.nn
    soft, log_soft = fn(np.array([-np.inf, 0.0, 1.0]))
    np.testing.assert_allclose(soft, [0.0, 1 / (1 + np.e), np.e / (1 + np.e)], rtol=1e-14)
    assert log_soft[0] == -np.inf


def test_derivative_of_a_square_root_at_either_zero_is_plus_inf(backend):
    x = sd.vector("x", "n")
    fn = _fn([x], [sd.grad(sd.sum(x ** 0.5), x), sd.grad(sd.sum(sd.sqrt(x)), x)], backend)
    for g in fn(np.array([0.0, -0.0, 4.0, np.nan])):
        np.testing.assert_array_equal(g, [np.inf, np.inf, 0.25, np.nan])


def test_derivatives_by_a_float32_scalar_stay_float32(backend):
    s = sd.scalar("s", dtype="float32")
    v = sd.vector("v", 3, dtype="float32")
    f = sd.sum(sd.sin(v * s)) * s + s ** 2.5 + 2.0 * s
    fn = _fn([s, v], [sd.grad(f, s), sd.hessian(f, s), sd.grad(f, v), sd.jacobian(sd.sin(v * s), s)], backend)
    outs = fn(np.float32(0.7), np.ones(3, np.float32))
    assert [o.dtype for o in outs] == [np.float32] * 4
    assert [o.shape for o in outs] == [(), (), (3,), (3,)]


def test_einsum_names_a_repeated_output_subscript():
    x = sd.vector("x", 3)
    with pytest.raises(sd.ShapeError, match="output subscript 'i' appears more than once"):
        sd.einsum("i->ii", x)
    with pytest.raises(ValueError):
        np.einsum("i->ii", np.ones(3))   # NumPy refuses it too


@pytest.mark.numba
@pytest.mark.usefixtures("isolated_cache_dir")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
def test_fork_while_another_thread_compiles(monkeypatch):
    """The child of a fork taken during a compile compiles and runs functions of its own."""
    monkeypatch.setenv("SYMDIFF_COMPILE_WORKERS", "0")   # compile in this process's thread
    x = sd.vector("x", "n")
    chain = x
    for k in range(60):
        chain = sd.sin(chain) * 0.9 + 0.01 * k
    slow = sd.function([x], sd.grad(sd.sum(chain ** 2), x), wait=False)   # compiles in a thread
    time.sleep(0.3)
    assert any(t.name == "symdiff-compile" for t in threading.enumerate()) or slow.ready
    pid = os.fork()
    if pid == 0:   # the child: a new function, compiled here, and the inherited one
        code = 1
        try:
            y = sd.vector("y", "m")
            fresh = sd.function([y], sd.sum(sd.exp(y)), wait=True)
            ok = abs(float(fresh(np.zeros(4))) - 4.0) < 1e-12 and fresh.tier == "numba"
            ok = ok and slow.wait(120) and np.all(np.isfinite(slow(np.linspace(0, 1, 5))))
            code = 0 if ok else 2
        finally:
            os._exit(code)
    deadline = time.time() + 180
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.2)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung (a lock held by the parent's compile thread?)")
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child status {status}"
    assert slow.wait(180) and slow.tier == "numba"


def test_numpy_functions_on_nodes_build_graphs_or_refuse_clearly(backend):
    """``np.size(x)`` was 1 and ``np.dot(A, x)`` a node of the wrong shape: NumPy's functions now
    dispatch to symdiff's (``__array_function__``) or raise a TypeError naming themselves."""
    x = sd.vector("x", 3)
    A = sd.matrix("A", (2, 3))
    v = sd.vector("v", "n")
    assert np.size(x) == x.size == 3 and np.size(A, 1) == sd.size(A, axis=1) == 3
    assert np.dot(A, x).shape == A.dot(x).shape == (2,)

    def griewank(z, cos):   # as optimisation test suites write it for NumPy (np.size, np.sum, np.prod)
        i = np.arange(1, np.size(z) + 1)
        return 1 + np.sum(z ** 2) / 4000 - np.prod(cos(z / np.sqrt(i)))

    z0 = np.array([1.0, -2.0, 0.5])
    fn = sd.function([x, A, v], [griewank(x, sd.cos), np.dot(A, x), np.mean(v), v.size, np.sum(v, out=None)],
                     backend=backend, wait=True)
    g, Ax, mean_v, size_v, sum_v = fn(z0, np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 6.0, 7.0]))
    np.testing.assert_allclose(g, griewank(z0, np.cos), rtol=1e-14)
    np.testing.assert_allclose(Ax, np.arange(6.0).reshape(2, 3) @ z0, rtol=1e-14)
    assert float(mean_v) == 4.0 and int(size_v) == 4 and float(sum_v) == 16.0
    assert np.atleast_2d(x).shape == (1, 3) and np.var(v).shape == ()   # symdiff has these: graphs
    assert np.linalg.norm(x).shape == ()
    for call, name in ((lambda: np.median(x), "numpy.median"), (lambda: np.linalg.svd(x), "numpy.linalg.svd"),
                       (lambda: np.asarray(x), "not an array"), (lambda: np.array([x, x]), "not an array"),
                       (lambda: np.exp(x), "ufunc"), (lambda: np.sum(x, out=np.zeros(())), "out=")):
        with pytest.raises(TypeError, match=name):
            call()
    assert not (np.ones(3) == x)   # comparisons keep Python identity, as node == node does


def test_bad_arguments_to_the_numpy_composites_are_named():
    x = sd.vector("x", 4)
    cases = [
        (lambda: sd.var(x, ddof=0.5), TypeError, "var: ddof"),
        (lambda: sd.diff(x, n=-1), ValueError, "diff: the order n"),
        (lambda: sd.diff(sd.scalar("s")), sd.ShapeError, "diff"),
        (lambda: sd.roll(x, (1, 2), axis=0), ValueError, "roll: 2 shift"),
        (lambda: sd.roll(x, 1.5), TypeError, "roll: shift"),
        (lambda: sd.repeat(x, -1), ValueError, "repeat: repeats"),
        (lambda: sd.tile(x, (2, -1)), ValueError, "tile: reps"),
        (lambda: sd.pad(x, ((1, 2), (3, 4))), ValueError, "pad: pad_width"),
        (lambda: sd.pad(x, 1, mode="reflect"), NotImplementedError, "mode='constant'"),
        (lambda: sd.arange(0.5, "n"), TypeError, "arange: with a symbolic stop"),
        (lambda: sd.arange("a", 3), TypeError, "arange: start"),
    ]
    for call, error, words in cases:
        with pytest.raises(error, match=words):
            call()


def test_reciprocal_of_integers_is_the_float_reciprocal(backend):
    """docs/semantics.md, deliberate differences: 1/x in float64 (as JAX), not NumPy's truncating integer reciprocal."""
    k = sd.vector("k", 4, dtype="int64")
    got = sd.function([k], sd.reciprocal(k), backend=backend)(np.array([-2, -1, 1, 4]))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, [-0.5, -1.0, 1.0, 0.25])

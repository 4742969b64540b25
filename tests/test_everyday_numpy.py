"""Behaviour of the everyday NumPy functions beyond the table rows (``tests/optable_everyday.py``):
NumPy's functions dispatching to them, stable sorting of long arrays, derivatives of cumprod at
zeros to third order, exported modules, and bad arguments (errors naming the function and the problem).
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

import symdiff as sd


def run(backend, inputs, outputs, *args):
    return sd.function(inputs, outputs, backend=backend)(*args)


# -- NumPy's functions on nodes --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["cumsum", "cumprod", "sort", "argsort", "argmax", "argmin"])
def test_numpy_functions_dispatch_to_symdiff(name, backend, rng):
    x = sd.matrix("x", (3, 4))
    kw = {"axis": 0}
    y = getattr(np, name)(x, **kw)
    assert y is getattr(sd, name)(x, **kw)
    xv = rng.normal(size=(3, 4))
    want = getattr(np, name)(xv, **kw, **({"kind": "stable"} if name == "argsort" else {}))
    np.testing.assert_allclose(run(backend, [x], y, xv), want)


def test_numpy_functions_dispatch_with_default_arguments():
    x = sd.vector("x", "n")
    assert np.sort(x) is sd.sort(x)
    assert np.cumsum(x) is sd.cumsum(x)
    assert np.argmax(x) is sd.argmax(x)
    assert np.argmin(x, keepdims=True).shape == (1,)


# -- sorting ----------------------------------------------------------------------------------------------

def test_sort_long_lines_with_ties_and_nan(backend, rng):
    x = sd.matrix("x", ("n", 3))
    xv = rng.integers(-20, 20, size=(1037, 3)).astype(float)
    xv[rng.random(xv.shape) < 0.05] = np.nan
    got_idx, got_sorted = run(backend, [x], [sd.argsort(x, axis=0), sd.sort(x, axis=0)], xv)
    np.testing.assert_array_equal(got_idx, np.argsort(xv, axis=0, kind="stable"))
    np.testing.assert_array_equal(got_sorted, np.sort(xv, axis=0))


def test_sort_gradient_follows_the_stable_order(backend):
    """At ties the cotangent of each sorted slot goes to the entry the stable sort put there."""
    x = sd.vector("x", 4)
    g = sd.grad(sd.sum(sd.sort(x) * np.array([1.0, 10.0, 100.0, 1000.0])), x)
    np.testing.assert_allclose(run(backend, [x], g, np.array([2.0, 1.0, 2.0, 1.0])), [100, 1, 1000, 10])


def test_argmax_argmin_nan_and_ties(backend):
    x = sd.vector("x", 5)
    xv = np.array([1.0, np.nan, 3.0, np.nan, 3.0])
    got = run(backend, [x], [sd.argmax(x), sd.argmin(x)], xv)
    assert [int(v) for v in got] == [1, 1]
    got = run(backend, [x], [sd.argmax(x), sd.argmin(x)], np.array([3.0, 1.0, 3.0, 1.0, 2.0]))
    assert [int(v) for v in got] == [0, 1]


def test_argmax_of_an_empty_axis(backend):
    with pytest.raises(ValueError, match="argmax: attempt to get argmax of an empty sequence"):
        sd.argmax(sd.matrix("z", (2, 0)), axis=1)
    x = sd.vector("x", "n")
    for name in ("argmax", "argmin"):
        f = sd.function([x], getattr(sd, name)(x), backend=backend)
        assert int(f(np.array([2.0, 5.0]))) == (1 if name == "argmax" else 0)
        with pytest.raises(ValueError, match=f"{name}.*empty sequence"):
            f(np.zeros(0))


def test_sorting_functions_refuse_bad_arguments():
    x = sd.matrix("x", (2, 3))
    with pytest.raises(sd.ShapeError, match="sort: axis 2 is out of bounds"):
        sd.sort(x, axis=2)
    with pytest.raises(ValueError, match="argsort: unknown kind 'fast'"):
        sd.argsort(x, kind="fast")
    with pytest.raises(TypeError, match="sort: order="):
        sd.sort(x, order="a")
    with pytest.raises(sd.ShapeError, match="argsort: axis -1 is out of bounds for a 0-d array"):
        sd.argsort(sd.scalar("s"))
    with pytest.raises(TypeError, match="argmax: axis must be an int"):
        sd.argmax(x, axis="0")
    with pytest.raises(TypeError, match="argmin: keepdims must be True or False"):
        sd.argmin(x, keepdims=1)
    with pytest.raises(TypeError, match="argmax: out= is not supported"):
        sd.argmax(x, out=np.zeros(3))
    with pytest.raises(TypeError, match="differentiat|int64|bool"):
        sd.grad(sd.sum(sd.argmax(x, axis=0) * 1.0), x)


# -- cumsum and cumprod ----------------------------------------------------------------------------------

def test_cumulative_functions_refuse_bad_axes():
    x = sd.matrix("x", (2, 3))
    with pytest.raises(sd.ShapeError, match="cumsum: axis 2 is out of bounds"):
        sd.cumsum(x, axis=2)
    with pytest.raises(sd.ShapeError, match="cumprod: axis 0 is out of bounds for a 0-d array"):
        sd.cumprod(sd.scalar("s"), axis=0)
    with pytest.raises(TypeError, match="cumsum: axis must be an int"):
        sd.cumsum(x, axis=(0, 1))


def test_cumprod_third_derivative_at_zeros(backend):
    """sum(cumprod(x)) = x0 + x0 x1 + x0 x1 x2: its third derivative is 1 at every permutation of (0, 1, 2)."""
    x = sd.vector("x", 3)
    f = sd.sum(sd.cumprod(x))
    t3 = sd.jacobian(sd.hessian(f, x), x)
    got = run(backend, [x], t3, np.zeros(3))
    want = np.zeros((3, 3, 3))
    for p in [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]:
        want[p] = 1.0
    np.testing.assert_allclose(got, want, atol=1e-12)
    g = run(backend, [x], sd.grad(f, x), np.array([2.0, 0.0, 3.0]))
    np.testing.assert_allclose(g, [1.0, 2.0 + 6.0, 0.0])


def test_cumulative_values_match_numpy_exactly(backend, rng):
    """Sequential accumulation in the result's dtype: the same roundings as NumPy's."""
    x = sd.tensor("x", (3, "n", 2), dtype="float32")
    xv = rng.normal(size=(3, 50, 2)).astype(np.float32)
    xv[1] = xv[1] * np.float32(0.1) + np.float32(1.0)
    s, p = run(backend, [x], [sd.cumsum(x, axis=1), sd.cumprod(x, axis=1)], xv)
    np.testing.assert_array_equal(s, np.cumsum(xv, axis=1))
    np.testing.assert_array_equal(p, np.cumprod(xv, axis=1))


# -- export ------------------------------------------------------------------------------------------------

def test_export_carries_the_helpers(tmp_path, rng):
    x = sd.matrix("x", ("n", 3))
    y = sd.sum(sd.cumprod(x, axis=0) * sd.sort(x, axis=1)) + sd.sum(sd.cumsum(x))
    outs = [y, sd.grad(y, x), sd.argmax(x, axis=0), sd.argsort(x, axis=None)]
    ref = sd.function([x], outs, backend="numpy")
    path = ref.export(str(tmp_path / "everyday.py"))
    spec = importlib.util.spec_from_file_location("symdiff_test_export_everyday", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    xv = rng.normal(size=(5, 3))
    for got, want in zip(mod.call(xv), ref(xv)):
        np.testing.assert_allclose(got, want, rtol=1e-12)

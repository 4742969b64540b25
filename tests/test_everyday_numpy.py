"""Behaviour of the everyday NumPy functions beyond the table rows (``tests/optable_everyday.py``):
NumPy's functions dispatching to them, iteration over nodes, ``sd.asarray``, the rules of
``x.at[...]`` for repeated indices, stable sorting of long arrays, derivatives of cumprod at zeros
to third order, exported modules, and bad arguments (errors naming the function and the problem).
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


# -- iteration -----------------------------------------------------------------------------------------

def test_iteration_yields_the_rows(backend):
    x = sd.matrix("x", (3, 2))
    rows = list(x)
    assert len(x) == 3 and len(rows) == 3
    assert all(r is x[i] for i, r in enumerate(rows))
    _a, b, _c = x
    assert b is x[1]
    xv = np.arange(6.0).reshape(3, 2)
    got = run(backend, [x], [sum(r * r for r in x), sd.stack(list(x)[::-1])], xv)
    np.testing.assert_allclose(got[0], np.sum(xv * xv, axis=0))
    np.testing.assert_allclose(got[1], xv[::-1])
    assert [e.shape for e in sd.vector("v", 4)] == [()] * 4
    assert list(sd.vector("e", 0)) == []


def test_iteration_refuses_0d_and_symbolic_leading_axes():
    s = sd.scalar("s")
    with pytest.raises(TypeError, match="0-d node"):
        iter(s)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d node"):
        len(s)
    m = sd.matrix("m", ("n", 3))
    with pytest.raises(TypeError, match="symbolic length 'n'.*sd.scan"):
        iter(m)          # at once, not at the first next()
    with pytest.raises(TypeError, match="symbolic length 'n'"):
        len(m)
    with pytest.raises(TypeError, match="symbolic length 'n'"):
        _a, _b = m
    assert len(sd.matrix("t", (2, "n"))) == 2


# -- asarray / array ------------------------------------------------------------------------------------

def test_asarray_keeps_nodes_and_makes_constants():
    x = sd.vector("x", 3)
    assert sd.asarray(x) is x
    assert sd.asarray(x, dtype="float32").dtype == np.float32
    c = sd.asarray([[1, 2], [3, 4]])
    assert c.op.is_constant and c.dtype == np.int64 and c.shape == (2, 2)
    assert sd.asarray(np.float32(2.5)).dtype == np.float32
    assert sd.array(np.zeros((2, 3)), dtype="float32").dtype == np.float32


def test_asarray_stacks_nested_nodes(backend):
    a, b = sd.scalar("a"), sd.scalar("b", dtype="float32")
    y = sd.asarray([[a, 1], (2.0, a * a)])
    assert y.shape == (2, 2) and y.dtype == np.float64
    np.testing.assert_allclose(run(backend, [a], y, 3.0), [[3.0, 1.0], [2.0, 9.0]])
    z = sd.asarray([b, 1.0, b * 2])      # Python numbers take the node's dtype (as in arithmetic)
    assert z.dtype == np.float32
    r = sd.vector("r", 2)
    w = sd.asarray([r, np.array([5.0, 6.0]), [a, 0.0]])
    assert w.shape == (3, 2)
    np.testing.assert_allclose(run(backend, [r, a], w, np.array([1.0, 2.0]), 7.0), [[1, 2], [5, 6], [7, 0]])
    g = sd.grad(sd.sum(sd.asarray([a * a, 3.0 * a])), a)
    assert float(run(backend, [a], g, 2.0)) == pytest.approx(7.0)


def test_asarray_errors_name_the_function():
    a = sd.scalar("a")
    with pytest.raises(ValueError, match="asarray: the entries of one sequence have different shapes"):
        sd.asarray([sd.vector("u", 2), sd.vector("w", 3)])
    with pytest.raises(ValueError, match="asarray: the entries"):
        sd.asarray([[a, a], [a]])
    with pytest.raises(TypeError, match="asarray: cannot use a str"):
        sd.asarray([a, "b"])
    with pytest.raises(TypeError, match="asarray: cannot make an array from a dict"):
        sd.asarray({"a": 1})
    with pytest.raises(ValueError, match="asarray: an empty sequence"):
        sd.asarray([a, []])


# -- x.at[...] ------------------------------------------------------------------------------------------

def test_at_returns_new_nodes_and_leaves_x_unchanged(backend):
    x = sd.vector("x", 4)
    y = x.at[1].set(10.0)
    assert y is not x and x.op.is_input
    xv = np.arange(4.0)
    np.testing.assert_allclose(run(backend, [x], [y, x.at[2:].get(), x.at[()].add(1.0)], xv)[0], [0, 10, 2, 3])
    assert x.at[2:].get() is x[2:]


def test_at_repeated_indices(backend):
    """add accumulates every value; set keeps the last occurrence (negative indices included)."""
    x, v = sd.vector("x", 5), sd.vector("v", 6)
    idx = np.array([3, 0, -2, 1, 3, 0])       # -2 is row 3 too
    xv, vv = np.zeros(5), np.arange(1.0, 7.0)
    added, setted = run(backend, [x, v], [x.at[idx].add(v), x.at[idx].set(v)], xv, vv)
    np.testing.assert_allclose(added, [2 + 6, 4, 0, 1 + 3 + 5, 0])
    np.testing.assert_allclose(setted, [6, 4, 0, 5, 0])
    # only the winners receive a derivative
    g = sd.grad(sd.sum(x.at[idx].set(v) * np.arange(1.0, 6.0)), v)
    np.testing.assert_allclose(run(backend, [x, v], g, xv, vv), [0, 0, 0, 2, 4, 1])


def test_at_set_with_index_nodes_of_any_shape(backend):
    x = sd.matrix("x", ("n", 2))
    k = sd.matrix("k", (2, 2), dtype="int64")
    y = x.at[k].set(sd.full((2, 2, 2), 7.0))
    xv = np.zeros((4, 2))
    got = run(backend, [x, k], y, xv, np.array([[0, 2], [2, -1]]))
    np.testing.assert_allclose(got, [[7, 7], [0, 0], [7, 7], [7, 7]])


def test_at_combining_methods_need_unique_indices_with_arrays():
    x = sd.vector("x", 4)
    for method in ("multiply", "min", "max"):
        with pytest.raises(ValueError, match=f"x.at\\[...\\].{method}: with an integer-array index.*unique_indices"):
            getattr(x.at[[0, 1]], method)(2.0)
    assert x.at[[0, 1]].multiply(2.0, unique_indices=True).shape == (4,)


def test_at_errors_name_the_update():
    x = sd.matrix("x", (3, 2))
    with pytest.raises(sd.ShapeError, match="x.at\\[...\\].set: values of shape \\(3,\\) do not broadcast"):
        x.at[0].set(sd.vector("v", 3))
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        x.at[5].add(1.0)
    with pytest.raises(TypeError, match="boolean mask.*sd.where"):
        x.at[np.array([True, False, True])].set(0.0)
    with pytest.raises(TypeError, match="indices must be integers"):
        x.at[np.array([0.5])].set(0.0)
    with pytest.raises(TypeError, match="only a single integer-array index"):
        x.at[np.array([0]), 1].set(0.0)
    with pytest.raises(TypeError, match="x.at\\[...\\].add: unexpected keyword argument 'wrap'"):
        x.at[0].add(1.0, wrap=True)
    with pytest.raises(TypeError, match="mode='clip' is not supported"):
        x.at[0].get(mode="clip")
    with pytest.raises(IndexError, match="0-d array"):
        sd.scalar("s").at[[0]].set(1.0)


def test_at_out_of_range_array_index_at_call_time(backend):
    x, k = sd.vector("x", 3), sd.vector("k", 2, dtype="int64")
    f = sd.function([x, k], x.at[k].set(1.0), backend=backend)
    with pytest.raises(IndexError):
        f(np.zeros(3), np.array([0, 3]))


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

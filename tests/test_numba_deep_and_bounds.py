"""The Numba backend on deep graphs (no RecursionError, linear-ish compile) and
on basic indices into symbolic axes (checked at run time, like NumPy)."""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd
from symdiff.backends.numba import build_source

pytestmark = [pytest.mark.numba, pytest.mark.usefixtures("isolated_cache_dir")]


def _chain(steps):
    x = sd.vector("x", 3)
    y = x
    for _ in range(steps):
        y = sd.sin(y) * 0.5 + x
    out = sd.sum(y)
    return x, out, sd.grad(out, x)


def test_deep_chain_plans_and_generates_without_recursion():
    # 1,000 steps (3,000 fused nodes deep, three times Python's recursion limit), value and gradient:
    # planning and code generation are iterative (3,000 steps and more: benchmarks/compile_scaling.py)
    x, out, g = _chain(1000)
    text = build_source([x], [out, g])[3]
    assert "if _true():" in text  # long loop bodies are cut into basic blocks
    longest = max(len(ln) for ln in text.split("\n") if not ln.lstrip().startswith(("@", "def ", "#")))
    assert longest < 2000  # the 1,000-term gradient sum is split over lines


def test_deep_chain_value_and_gradient_match_numpy():
    # 400 steps are 1,200 fused nodes deep (beyond Python's recursion limit) and
    # compile in seconds; 3,000 steps take minutes in Numba and LLVM (see the report)
    x, out, g = _chain(400)
    v = np.array([0.1, -0.7, 2.0])
    got = sd.function([x], [out, g], backend="numba")(v)
    ref = sd.function([x], [out, g], backend="numpy")(v)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-12)


def test_deep_scalar_chain():
    # 0-d values: the whole chain sits at loop level 0
    s = sd.scalar("s")
    y = s
    for _ in range(600):
        y = y * 0.999 + 0.001 * s
    f = sd.function([s], [y, sd.grad(y, s)], backend="numba")
    r = sd.function([s], [y, sd.grad(y, s)], backend="numpy")
    for a, b in zip(f(1.5), r(1.5)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# ------------------------------------------------------------ indices into symbolic axes

@pytest.mark.parametrize("expr, msg", [
    (lambda x: x[5], "index 5 is out of bounds for axis 0 with size 3"),
    (lambda x: x[-5], "index -5 is out of bounds for axis 0 with size 3"),
    (lambda x: x[3], "index 3 is out of bounds for axis 0 with size 3"),
])
def test_integer_index_out_of_bounds_raises(expr, msg):
    x = sd.vector("x", "n")
    f = sd.function([x], expr(x), backend="numba")
    with pytest.raises(IndexError, match=msg):
        f(np.ones(3))
    with pytest.raises(IndexError, match=msg):  # the NumPy backend agrees
        sd.function([x], expr(x), backend="numpy")(np.ones(3))
    a = np.arange(6.0)
    assert f(a) == expr(a)  # in bounds for a longer vector


def test_in_bounds_integer_indices():
    x = sd.vector("x", "n")
    f = sd.function([x], [x[2], x[-3], x[0]], backend="numba")
    a = np.arange(3.0)
    assert [float(v) for v in f(a)] == [2.0, 0.0, 0.0]


def test_matrix_column_out_of_bounds_and_its_gradient():
    A = sd.matrix("A", ("m", "n"))
    f = sd.function([A], A[:, 4], backend="numba")
    with pytest.raises(IndexError, match="index 4 is out of bounds for axis 1 with size 3"):
        f(np.ones((2, 3)))
    np.testing.assert_array_equal(f(np.arange(10.0).reshape(2, 5)), [4.0, 9.0])
    # the gradient is a scatter_index (getitem's transpose): checked the same way
    gf = sd.function([A], sd.grad(sd.sum(A[:, 4]), A), backend="numba")
    with pytest.raises(IndexError, match="index 4 is out of bounds for axis 1 with size 3"):
        gf(np.ones((2, 3)))
    expect = np.zeros((2, 5))
    expect[:, 4] = 1
    np.testing.assert_array_equal(gf(np.ones((2, 5))), expect)
    g2 = sd.function([A], sd.grad(sd.sum(A[:, -1]), A), backend="numba")(np.ones((2, 3)))
    np.testing.assert_array_equal(g2, [[0, 0, 1], [0, 0, 1]])


def test_slices_of_symbolic_axes_beyond_the_size_raise():
    x = sd.vector("x", "n")
    f = sd.function([x], x[1:], backend="numba")
    np.testing.assert_array_equal(f(np.arange(3.0)), [1.0, 2.0])
    np.testing.assert_array_equal(f(np.arange(1.0)), np.zeros(0))
    with pytest.raises(IndexError, match="slice 1: is out of bounds for axis 0 with size 0"):
        f(np.zeros(0))
    f = sd.function([x], sd.sum(x[1:5]), backend="numba")
    assert f(np.arange(6.0)) == 10.0
    with pytest.raises(IndexError, match="slice 1:5 is out of bounds for axis 0 with size 3"):
        f(np.arange(3.0))
    f = sd.function([x], x[-2:], backend="numba")
    np.testing.assert_array_equal(f(np.arange(4.0)), [2.0, 3.0])
    with pytest.raises(IndexError, match="slice -2: is out of bounds"):
        f(np.arange(1.0))


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_and_min_of_an_empty_symbolic_axis_raise_like_numpy(backend, op):   # backend: both
    A = sd.matrix("A", ("m", 3))
    reduce = getattr(sd, op)
    f = sd.function([A], [reduce(A, axis=0), reduce(A)], backend=backend)
    with pytest.raises(ValueError, match=f"zero-size array to reduction operation {op}imum"):
        f(np.zeros((0, 3)))
    v = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    got = f(v)                                   # and the function still works
    np.testing.assert_array_equal(got[0], getattr(np, op)(v, axis=0))
    assert got[1] == getattr(np, op)(v)
    # reducing the other axis of an empty array is fine, as in NumPy
    g = sd.function([A], reduce(A, axis=1), backend=backend)
    assert g(np.zeros((0, 3))).shape == (0,)

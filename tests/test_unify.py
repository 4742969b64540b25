"""A symbolic size meeting a fixed size in broadcasting: unified at build time, checked at call time.

Oracles: NumPy for values, central finite differences for derivatives.
"""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd

C = np.array([1.0, -2.0, 0.5])


def _fd_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_a_symbolic_vector_minus_a_fixed_constant(backend):
    x = sd.vector("x", "n")
    y = x - C
    assert y.shape == (3,)
    f = sd.sum(sd.sin(y) * y)
    fn = sd.function([x], [y, f, sd.grad(f, x), sd.hessian(f, x)], backend=backend)
    xv = np.array([0.3, 1.2, -0.7])
    yv, fv, gv, hv = fn(xv)

    def numpy_f(v):
        return np.sum(np.sin(v - C) * (v - C))

    np.testing.assert_allclose(yv, xv - C, rtol=1e-15)
    np.testing.assert_allclose(fv, numpy_f(xv), rtol=1e-13)
    np.testing.assert_allclose(gv, _fd_grad(numpy_f, xv), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(hv, np.diag(2 * np.cos(xv - C) - (xv - C) * np.sin(xv - C)), atol=1e-12)
    assert sd.grad(f, x).shape == ("n",)   # the derivative keeps the input's symbolic shape


@pytest.mark.parametrize("n", [0, 2, 4])
def test_a_wrong_size_at_call_time_is_a_valueerror_naming_the_operation(backend, n):
    x = sd.vector("x", "n")
    f = sd.sum((x * C) ** 2)
    for outs in ([f], [sd.grad(f, x)]):   # the gradient alone still checks (the reverse declaration)
        fn = sd.function([x], outs, backend=backend)
        with pytest.raises(ValueError, match=rf"multiply: an axis of symbolic size 'n' meets the fixed size 3 .* n = {n}"):
            fn(np.ones(n))
        assert np.all(np.isfinite(fn(np.ones(3))[0]))   # still usable


def test_a_symbolic_size_of_one_broadcasts_as_numpy(backend):
    """n = 1 against a fixed 3 repeats the entry; its gradient sums over the three uses."""
    x = sd.vector("x", "n")
    y = sd.sin(x) * C
    f = sd.sum(y * y)
    g, h = sd.grad(f, x), sd.hessian(f, x)
    fn = sd.function([x], [y, f, g, h], backend=backend)
    yv, fv, gv, hv = fn(np.array([0.4]))
    np.testing.assert_allclose(yv, np.sin(0.4) * C, rtol=1e-15)
    np.testing.assert_allclose(gv, _fd_grad(lambda v: np.sum((np.sin(v) * C) ** 2), np.array([0.4])), rtol=1e-7)
    np.testing.assert_allclose(hv, [[np.sum(C * C) * 2 * np.cos(0.8)]], rtol=1e-12)
    assert fn(np.ones(3))[0].shape == (3,)


def test_matrix_columns_and_where_unify_too(backend):
    A = sd.matrix("A", ("m", "n"))
    z = sd.where(A > 0, A * np.arange(1.0, 4.0), 0.0)
    assert z.shape == ("m", 3)
    g = sd.grad(sd.sum(z ** 2), A)
    a = np.array([[1.0, -1.0, 2.0], [0.5, 0.5, -3.0]])
    val, grad = sd.function([A], [z, g], backend=backend)(a)
    w = np.arange(1.0, 4.0)
    np.testing.assert_allclose(val, np.where(a > 0, a * w, 0.0))
    np.testing.assert_allclose(grad, np.where(a > 0, 2 * a * w * w, 0.0))


def test_derived_sizes_unify(backend):
    x = sd.vector("x", "n")
    d = x[1:] - np.array([1.0, 1.0])          # 'n - 1' meets 2
    fn = sd.function([x], [d], backend=backend)
    np.testing.assert_allclose(fn(np.array([0.0, 3.0, 5.0]))[0], [2.0, 4.0])
    with pytest.raises(ValueError, match="'n - 1' meets the fixed size 2"):
        fn(np.ones(4))


def test_what_still_cannot_broadcast_is_refused_at_build_time():
    x, y = sd.vector("x", "n"), sd.vector("y", "m")
    with pytest.raises(sd.ShapeError, match="add: cannot broadcast"):
        x + y                                   # two unknown sizes
    with pytest.raises(sd.ShapeError, match="add_n: cannot broadcast"):
        sd.add_n(x, np.ones(2), np.ones(3))     # two different fixed sizes
    assert (x + np.ones(1)).shape == ("n",)    # a fixed 1 broadcasts as before

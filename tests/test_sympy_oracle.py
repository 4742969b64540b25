"""SymPy's ``diff`` as the oracle for higher derivatives of scalar compositions.

Each expression is written twice: once with ``sd`` functions, once with SymPy
functions (sigmoid and softplus are ``sd.sigmoid``/``sd.softplus`` on one side
in some rows and spelled out as ``1/(1+exp(-x))``/``log(1+exp(x))`` on both
sides in others). For each row:

* one variable: ``d^k f/dx^k`` for ``k = 1..4`` by repeated ``sd.grad`` with
  respect to a scalar;
* two variables: additionally ``df/dy``, ``d^2 f/dxdy``, ``d^2 f/dy^2``,
  ``d^3 f/dx^2dy`` and ``d^4 f/dx^2dy^2`` (mixed partials in both orders);

compiled with the reference backend and compared (rtol 1e-8) with the SymPy
derivative evaluated with mpmath at 30 digits at 2-3 points of the domain.
The graph is never converted to SymPy here (that is ``sd.to_sympy``'s test):
the oracle is built independently from the SymPy spelling.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import symdiff as sd

X, Y = sp.symbols("x y", real=True)


def _sp_sigmoid(t):
    return 1 / (1 + sp.exp(-t))


def _sp_softplus(t):
    return sp.log(1 + sp.exp(t))


# (id, sd builder, sympy builder, points); builders take (x, y); one-variable rows ignore y.
ONE_VAR = [
    ("sin_cos", lambda x, y: sd.sin(x) * sd.cos(x), lambda x, y: sp.sin(x) * sp.cos(x), [-1.3, 0.4, 2.2]),
    ("tan", lambda x, y: sd.tan(x), lambda x, y: sp.tan(x), [-1.0, 0.3, 1.2]),
    ("exp_sin", lambda x, y: sd.exp(sd.sin(x)), lambda x, y: sp.exp(sp.sin(x)), [-2.0, 0.5, 1.7]),
    ("log_1px2", lambda x, y: sd.log(1.0 + x ** 2), lambda x, y: sp.log(1 + x ** 2), [-1.5, 0.2, 3.0]),
    ("sqrt_1px2", lambda x, y: sd.sqrt(1.0 + sd.square(x)), lambda x, y: sp.sqrt(1 + x ** 2), [-2.5, 0.7, 1.1]),
    ("x_tanh2", lambda x, y: x * sd.tanh(x) ** 2, lambda x, y: x * sp.tanh(x) ** 2, [-1.2, 0.35, 2.0]),
    ("arctan_over", lambda x, y: sd.arctan(x) / (1.0 + x), lambda x, y: sp.atan(x) / (1 + x), [0.3, 1.0, 4.0]),
    ("pow_3_5", lambda x, y: x ** 3.5, lambda x, y: x ** sp.Rational(7, 2), [0.4, 1.3, 2.5]),
    ("pow_neg", lambda x, y: sd.power(x, -1.5) + 1.0 / x, lambda x, y: x ** sp.Rational(-3, 2) + 1 / x,
     [0.5, 1.0, 2.7]),
    ("sigmoid_builtin", lambda x, y: sd.sigmoid(x), lambda x, y: _sp_sigmoid(x), [-3.0, 0.25, 2.0]),
    ("softplus_builtin", lambda x, y: sd.softplus(x), lambda x, y: _sp_softplus(x), [-2.0, 0.1, 3.5]),
    ("sigmoid_spelled", lambda x, y: 1.0 / (1.0 + sd.exp(-x)), lambda x, y: _sp_sigmoid(x), [-1.5, 0.6, 4.0]),
    ("softplus_spelled", lambda x, y: sd.log(1.0 + sd.exp(x)), lambda x, y: _sp_softplus(x), [-1.0, 0.9, 2.5]),
    ("gauss_cos", lambda x, y: sd.exp(-x * x / 2.0) * sd.cos(3.0 * x),
     lambda x, y: sp.exp(-x ** 2 / 2) * sp.cos(3 * x), [-0.8, 0.15, 1.4]),
    ("log_sqrt", lambda x, y: sd.log(x) * sd.sqrt(x), lambda x, y: sp.log(x) * sp.sqrt(x), [0.3, 1.7, 5.0]),
    ("x_pow_x", lambda x, y: x ** x, lambda x, y: x ** x, [0.5, 1.2, 2.1]),
    ("sin_exp_over", lambda x, y: sd.sin(sd.exp(x)) / (2.0 + sd.cos(x)),
     lambda x, y: sp.sin(sp.exp(x)) / (2 + sp.cos(x)), [-1.0, 0.3, 1.1]),
    ("arctan_tanh", lambda x, y: sd.arctan(sd.tanh(x)), lambda x, y: sp.atan(sp.tanh(x)), [-1.7, 0.45, 1.3]),
    ("sigmoid_of_sin_times_exp", lambda x, y: sd.sigmoid(sd.sin(x)) * sd.exp(x / 3.0),
     lambda x, y: _sp_sigmoid(sp.sin(x)) * sp.exp(x / 3), [-2.2, 0.0, 1.9]),
]

TWO_VAR = [
    ("sin_xy_plus", lambda x, y: sd.sin(x * y) + x ** 2 * y,
     lambda x, y: sp.sin(x * y) + x ** 2 * y, [(0.3, -1.2), (1.1, 0.7), (-0.6, 2.0)]),
    ("exp_log", lambda x, y: sd.exp(x) * sd.log(y), lambda x, y: sp.exp(x) * sp.log(y),
     [(0.2, 0.5), (-1.0, 2.5), (1.3, 1.2)]),
    ("rational", lambda x, y: x / (y ** 2 + 1.0), lambda x, y: x / (y ** 2 + 1),
     [(0.5, -0.3), (2.0, 1.5), (-1.0, 0.8)]),
    ("hypot", lambda x, y: sd.sqrt(x * x + y * y), lambda x, y: sp.sqrt(x ** 2 + y ** 2),
     [(0.6, 0.8), (-1.5, 0.4), (2.0, -2.5)]),
    ("tanh_sigmoid", lambda x, y: sd.tanh(x + 2.0 * y) * sd.sigmoid(x - y),
     lambda x, y: sp.tanh(x + 2 * y) * _sp_sigmoid(x - y), [(0.1, 0.2), (-0.7, 0.4), (1.0, -0.3)]),
    ("x_pow_y", lambda x, y: x ** y, lambda x, y: x ** y, [(0.7, 1.5), (2.0, -0.5), (1.3, 2.2)]),
    ("softplus_xy", lambda x, y: sd.softplus(x * y), lambda x, y: _sp_softplus(x * y),
     [(0.5, 1.5), (-1.2, 0.7), (2.0, -0.9)]),
    ("arctan_ratio", lambda x, y: sd.arctan(y / x), lambda x, y: sp.atan(y / x),
     [(1.0, 0.5), (0.4, -1.3), (2.5, 2.0)]),
    ("tan_cos_mix", lambda x, y: sd.tan(x * 0.5) * sd.cos(y) + sd.exp(-y) * x ** 3,
     lambda x, y: sp.tan(x / 2) * sp.cos(y) + sp.exp(-y) * x ** 3, [(0.4, 0.3), (-1.1, 1.7)]),
]

# derivative "paths": the variables to differentiate by, in order
ONE_VAR_PATHS = [("x",) * k for k in range(1, 5)]
TWO_VAR_PATHS = ONE_VAR_PATHS + [
    ("y",), ("x", "y"), ("y", "x"), ("y", "y"), ("x", "x", "y"), ("x", "y", "x"),
    ("x", "x", "y", "y"), ("y", "x", "y", "x"),
]

RTOL = 1e-8
mpmath.mp.dps = 30


def _oracle(expr, path, points):
    d = expr
    for v in path:
        d = sp.diff(d, X if v == "x" else Y)
    f = sp.lambdify((X, Y), d, modules="mpmath")
    return np.array([float(f(mpmath.mpf(px), mpmath.mpf(py))) for px, py in points])


def _check(sd_fn, sp_fn, points, paths):
    x, y = sd.scalar("x"), sd.scalar("y")
    f = sd_fn(x, y)
    assert f.shape == () and f.dtype == np.float64
    syms = {"x": x, "y": y}
    outs = []
    cache = {(): f}
    for path in paths:
        for k in range(1, len(path) + 1):
            if path[:k] not in cache:
                cache[path[:k]] = sd.grad(cache[path[:k - 1]], syms[path[k - 1]])
        outs.append(cache[path])
    fn = sd.function([x, y], [f] + outs, backend="numpy")
    got = np.array([[float(v) for v in fn(px, py)] for px, py in points])  # (points, 1 + paths)

    expr = sp_fn(X, Y)
    np.testing.assert_allclose(got[:, 0], _oracle(expr, (), points), rtol=1e-12, err_msg="value")
    failures = []
    for j, path in enumerate(paths, start=1):
        want = _oracle(expr, path, points)
        # relative tolerance, with a floor at RTOL times the size of the derivative's order
        # of magnitude across the points (guards entries that happen to be ~0)
        atol = RTOL * 1e-3 * max(1.0, float(np.max(np.abs(want))))
        if not np.allclose(got[:, j], want, rtol=RTOL, atol=atol):
            failures.append(f"d/{''.join('d' + v for v in path)}: got {got[:, j]}, sympy {want}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("sd_fn, sp_fn, xs", [r[1:] for r in ONE_VAR], ids=[r[0] for r in ONE_VAR])
def test_one_variable_derivatives_up_to_4th_order(sd_fn, sp_fn, xs):
    _check(sd_fn, sp_fn, [(px, 0.0) for px in xs], ONE_VAR_PATHS)


@pytest.mark.parametrize("sd_fn, sp_fn, pts", [r[1:] for r in TWO_VAR], ids=[r[0] for r in TWO_VAR])
def test_two_variable_mixed_partials(sd_fn, sp_fn, pts):
    _check(sd_fn, sp_fn, pts, TWO_VAR_PATHS)


def test_mixed_partials_commute_symbolically_built():
    """d^2/dxdy and d^2/dydx are built by different graphs but agree; likewise order 3."""
    x, y = sd.scalar("x"), sd.scalar("y")
    f = sd.exp(x * sd.sin(y)) / (1.0 + x * x * y * y)
    dxy = sd.grad(sd.grad(f, x), y)
    dyx = sd.grad(sd.grad(f, y), x)
    dxxy = sd.grad(sd.grad(sd.grad(f, x), x), y)
    dyxx = sd.grad(sd.grad(sd.grad(f, y), x), x)
    fn = sd.function([x, y], [dxy, dyx, dxxy, dyxx], backend="numpy")
    for p in [(0.3, 0.7), (-1.1, 0.4)]:
        a, b, c, d = fn(*p)
        np.testing.assert_allclose(a, b, rtol=1e-12)
        np.testing.assert_allclose(c, d, rtol=1e-11)

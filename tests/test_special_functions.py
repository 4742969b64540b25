"""Special functions against mpmath (an oracle independent of SciPy and of symdiff's own series).

The table rows (``tests/optable.py``) check values against SciPy/NumPy and derivatives against
finite differences; here the values and the derivatives of every order come from mpmath at 30
digits, on both backends (the Numba backend computes digamma and polygamma with its own series).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import scipy.special as sc

import symdiff as sd

mpmath.mp.dps = 30

POINTS = np.array([1e-8, 0.01, 0.3, 0.5, 1.0, 2.5, 7.25, 11.9, 12.1, 30.0, 1e3, 1e6,
                   -0.5, -2.5, -7.3, -40.6])


def _mp(f, xs):
    return np.array([float(f(mpmath.mpf(float(v)))) for v in xs])


@pytest.mark.parametrize("order", [0, 1, 2, 3, 6])
def test_polygamma_and_digamma_match_mpmath(backend, order):
    x = sd.vector("x", "n")
    fn = sd.function([x], sd.polygamma(order, x), backend=backend, wait=True)
    got = fn(POINTS)
    want = _mp(lambda v: mpmath.polygamma(order, v), POINTS)
    pos = POINTS > 0
    np.testing.assert_allclose(got[pos], want[pos], rtol=5e-14)
    # negative arguments: the recurrence adds terms of both signs (SciPy loses as many digits)
    np.testing.assert_allclose(got[~pos], want[~pos], rtol=1e-9)


def test_derivatives_of_every_order_close_on_polygamma(backend):
    """gammaln, then its first four derivatives as graphs: digamma, polygamma(1), (2), (3)."""
    s = sd.scalar("s")
    f = sd.gammaln(s)
    derivs = [f]
    for _ in range(4):
        derivs.append(sd.grad(derivs[-1], s))
    fn = sd.function([s], derivs, backend=backend, wait=True)
    for v in (0.7, 3.2, -1.5):
        got = [float(g) for g in fn(v)]
        want = [float(mpmath.log(abs(mpmath.gamma(v))))] + [float(mpmath.polygamma(k, v)) for k in range(4)]
        np.testing.assert_allclose(got, want, rtol=1e-13)


@pytest.mark.parametrize("name, mp_fn", [
    ("erf", mpmath.erf), ("erfc", mpmath.erfc), ("gammaln", lambda v: mpmath.log(abs(mpmath.gamma(v)))),
    ("log2", lambda v: mpmath.log(v, 2)), ("log10", mpmath.log10), ("exp2", lambda v: mpmath.power(2, v)),
    ("cbrt", mpmath.cbrt), ("log_sigmoid", lambda v: -mpmath.log(1 + mpmath.exp(-v))),
])
def test_unary_values_and_derivatives_match_mpmath(backend, name, mp_fn):
    pts = np.array([0.05, 0.5, 1.7, 4.0, 9.5, 25.0]) if name not in ("erf", "erfc", "exp2", "log_sigmoid") \
        else np.array([-3.0, -0.7, 0.0, 0.4, 1.9, 5.5])
    x = sd.vector("x", "n")
    f = getattr(sd, name)(x)
    d1 = sd.grad(sd.sum(f), x)
    fn = sd.function([x], [f, d1, sd.grad(sd.sum(d1), x)], backend=backend, wait=True)   # elementwise: f', f''
    value, d1, d2 = fn(pts)
    np.testing.assert_allclose(value, _mp(mp_fn, pts), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(d1, [float(mpmath.diff(mp_fn, mpmath.mpf(float(v)))) for v in pts], rtol=1e-12)
    np.testing.assert_allclose(d2, [float(mpmath.diff(mp_fn, mpmath.mpf(float(v)), 2)) for v in pts],
                               rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name, mp_fn", [
    ("arctan2", mpmath.atan2), ("hypot", mpmath.hypot),
    ("logaddexp", lambda a, b: mpmath.log(mpmath.exp(a) + mpmath.exp(b))),
    ("logaddexp2", lambda a, b: mpmath.log(mpmath.power(2, a) + mpmath.power(2, b), 2)),
    ("xlogy", lambda a, b: a * mpmath.log(b)),
])
def test_binary_values_and_gradients_match_mpmath(backend, name, mp_fn):
    a_pts = np.array([-2.0, -0.3, 0.8, 1.5, 3.0])
    b_pts = np.array([0.4, 2.0, 0.1, 1.5, 7.0])
    a, b = sd.vector("a", "n"), sd.vector("b", "n")
    f = getattr(sd, name)(a, b)
    fn = sd.function([a, b], [f, *sd.grad(sd.sum(f), [a, b])], backend=backend, wait=True)
    value, ga, gb = fn(a_pts, b_pts)
    want = [float(mp_fn(mpmath.mpf(float(u)), mpmath.mpf(float(v)))) for u, v in zip(a_pts, b_pts)]
    np.testing.assert_allclose(value, want, rtol=1e-14)
    want_a = [float(mpmath.diff(lambda t: mp_fn(t, mpmath.mpf(float(v))), mpmath.mpf(float(u))))
              for u, v in zip(a_pts, b_pts)]
    want_b = [float(mpmath.diff(lambda t: mp_fn(mpmath.mpf(float(u)), t), mpmath.mpf(float(v))))
              for u, v in zip(a_pts, b_pts)]
    np.testing.assert_allclose(ga, want_a, rtol=1e-12)
    np.testing.assert_allclose(gb, want_b, rtol=1e-12)


def test_special_points_follow_scipy(backend):
    """Poles, zeros of either sign and infinities: SciPy's values (NaN where SciPy gives NaN)."""
    pts = np.array([0.0, -0.0, -1.0, -2.0, 1e-300, np.inf, -np.inf, np.nan, -2.5])
    x = sd.vector("x", "n")
    outs = [sd.digamma(x), sd.polygamma(1, x), sd.polygamma(2, x), sd.gammaln(x), sd.erf(x), sd.erfc(x)]
    want = [sc.digamma(pts), sc.polygamma(1, pts), sc.polygamma(2, pts), sc.gammaln(pts), sc.erf(pts),
            sc.erfc(pts)]
    fn = sd.function([x], outs, backend=backend, wait=True)
    with np.errstate(all="ignore"):
        for got, w in zip(fn(pts), want):
            np.testing.assert_allclose(got, w, rtol=1e-13)   # NaN and ±inf must match exactly


def test_float32_stays_float32(backend):
    x = sd.vector("x", 3, dtype="float32")
    outs = [sd.erf(x), sd.gammaln(x), sd.digamma(x), sd.polygamma(2, x), sd.log2(x), sd.cbrt(x),
            sd.floor(x), sd.hypot(x, x), sd.logaddexp(x, x)]
    fn = sd.function([x], outs + [sd.grad(sd.sum(o), x) for o in outs[:6]], backend=backend, wait=True)
    v = np.array([0.5, 1.5, 3.25], np.float32)
    res = fn(v)
    assert all(r.dtype == np.float32 for r in res)
    np.testing.assert_allclose(res[2], sc.digamma(v.astype(np.float64)), rtol=2e-6)


def test_rounding_has_zero_derivative_and_integers_pass_through(backend):
    x = sd.vector("x", "n")
    k = sd.vector("k", "n", dtype="int64")
    f = sd.sum(sd.floor(x) + sd.ceil(x) + sd.trunc(x) + sd.round(x) + sd.round(x, 2) + x % 2.0)
    fn = sd.function([x, k], [sd.grad(f, x), sd.floor(k), sd.round(k, -1), k % 3, sd.rint(k)],
                     backend=backend, wait=True)
    g, fk, rk, mk, rint_k = fn(np.array([0.3, -1.7, 2.5]), np.array([14, -15, 25]))
    np.testing.assert_array_equal(g, [1.0, 1.0, 1.0])   # only x % 2 contributes (d/dx = 1)
    np.testing.assert_array_equal(fk, [14, -15, 25])
    np.testing.assert_array_equal(rk, np.round(np.array([14, -15, 25]), -1))
    np.testing.assert_array_equal(mk, np.mod(np.array([14, -15, 25]), 3))
    assert fk.dtype == rk.dtype == mk.dtype == np.int64 and rint_k.dtype == np.float64


def test_bad_orders_are_named():
    x = sd.vector("x", 3)
    for bad in (-1, 1.5, True):
        with pytest.raises((sd.ShapeError, TypeError), match="order"):
            sd.polygamma(bad, x)
    with pytest.raises(TypeError, match="decimals"):
        sd.round(x, 1.5)


def test_sympy_both_ways():
    sp = pytest.importorskip("sympy")
    a, b = sd.scalar("a"), sd.scalar("b")
    exprs = [sd.erf(a), sd.erfc(a), sd.gammaln(a), sd.digamma(a), sd.polygamma(2, a), sd.log2(a),
             sd.log10(a), sd.exp2(a), sd.cbrt(a), sd.arctan2(a, b), sd.hypot(a, b), sd.logaddexp(a, b),
             sd.logaddexp2(a, b), sd.xlogy(a, b), a % b, sd.floor(a), sd.ceil(a)]
    A, B = sp.symbols("a b")
    for e in exprs:
        s = sd.to_sympy(e)
        want = float(sd.evaluate(e, {a: 1.7, b: 2.3}))
        assert float(s.subs({A: 1.7, B: 2.3}).evalf(30)) == pytest.approx(want, rel=1e-13), (e, s)
        back = sd.from_sympy(s, {A: a, B: b})
        assert float(sd.evaluate(back, {a: 1.7, b: 2.3})) == pytest.approx(want, rel=1e-13), (e, s, back)
    # SymPy's derivative of loggamma is polygamma(0, .): the same as symdiff's gradient
    d = sd.from_sympy(sp.diff(sp.loggamma(A), A, 2), {A: a})
    assert float(sd.evaluate(d, {a: 0.8})) == pytest.approx(float(sd.evaluate(sd.grad(sd.grad(sd.gammaln(a), a), a),
                                                                             {a: 0.8})), rel=1e-13)

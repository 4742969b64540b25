"""Table rows for loops (scan, fori_loop, while_loop): each oracle is the same loop written in NumPy.

Imported at the end of ``tests/optable.py``, so the generic harness checks
values on both backends and first and second derivatives against finite
differences of these loops. ``while_loop`` rows are ``forward_only``: the
reverse-mode tests are not generated for them, and
``tests/test_loops.py`` checks that reverse mode raises.
"""

from __future__ import annotations

import numpy as np

import symdiff as sd
from tests.optable import POSITIVE, UNIT, A, case

# -- a scalar recurrence with a parameter, stacked outputs and the final carry -----------------

def _rec(c, x, a):
    c2 = sd.sin(c * a) + x * c if isinstance(c, sd.Node) else np.sin(c * a) + x * c
    return c2, c2 * c2


def _np_scan(f, c, xs, reverse=False):
    ys = []
    for t in (range(len(xs) - 1, -1, -1) if reverse else range(len(xs))):
        c, y = f(c, xs[t])
        ys.append((t, y))
    ys.sort(key=lambda p: p[0])
    return c, np.array([y for _, y in ys]) if ys else np.zeros((0,))


def _sd_rec(a, c0, xs, **kw):
    c, ys = sd.scan(lambda c, x: _rec(c, x, a), c0, xs, **kw)
    return c + sd.sum(ys * np.linspace(0.5, 1.5, xs.shape[0]) if isinstance(xs.shape[0], int) else ys)


def _np_rec(a, c0, xs, reverse=False):
    c, ys = _np_scan(lambda c, x: _rec(c, x, a), c0, xs, reverse)
    return c + np.sum(ys * np.linspace(0.5, 1.5, len(xs)))


case("scan_recurrence", _sd_rec, _np_rec, A((), sample=UNIT), A((), sample=UNIT), A((5,), sample=UNIT))
case("scan_recurrence_reverse", lambda a, c, x: _sd_rec(a, c, x, reverse=True),
     lambda a, c, x: _np_rec(a, c, x, reverse=True), A((), sample=UNIT), A((), sample=UNIT), A((5,), sample=UNIT))
case("scan_length_one", _sd_rec, _np_rec, A((), sample=UNIT), A((), sample=UNIT), A((1,), sample=UNIT))
case("scan_length_zero", _sd_rec, _np_rec, A((), sample=UNIT), A((), sample=UNIT), A((0,), sample=UNIT))
case("scan_checkpoint", lambda a, c, x: _sd_rec(a, c, x, checkpoint=2), _np_rec,
     A((), sample=UNIT), A((), sample=UNIT), A((7,), sample=UNIT))
case("scan_checkpoint_reverse_sqrt", lambda a, c, x: _sd_rec(a, c, x, checkpoint=True, reverse=True),
     lambda a, c, x: _np_rec(a, c, x, reverse=True), A((), sample=UNIT), A((), sample=UNIT), A((10,), sample=UNIT))
case("scan_symbolic_length",
     lambda a, c0, xs: sd.scan(lambda c, x: _rec(c, x, a), c0, xs)[1],
     lambda a, c0, xs: _np_scan(lambda c, x: _rec(c, x, a), c0, xs)[1],
     A((), sample=UNIT), A((), sample=UNIT), A(("T",), sample=UNIT), sizes=(("T", 4),), alt_sizes=(("T", 1),))


# -- a recurrent network: vector carry, matrix xs, a captured weight matrix ------------------

def _rnn_sd(w, h0, xs):
    h, hs = sd.scan(lambda h, x: (sd.tanh(w @ h + x), sd.sum(h * h)), h0, xs)
    return sd.concatenate([h, hs])


def _rnn_np(w, h0, xs):
    h, hs = _np_scan(lambda h, x: (np.tanh(w @ h + x), np.sum(h * h)), h0, xs)
    return np.concatenate([h, hs])


case("scan_rnn", _rnn_sd, _rnn_np, A((3, 3), sample=UNIT), A((3,), sample=UNIT), A((4, 3), sample=UNIT))


# -- tuple carry: explicit Euler for Lotka-Volterra, xs None ---------------------------------

def _lv_step(p, dt=0.05):
    def step(c, _):
        u, v = c
        return (u + dt * (p[0] * u - p[1] * u * v), v + dt * (p[3] * u * v - p[2] * v)), None
    return step


def _lv_sd(p, u0):
    (u, v), _ = sd.scan(_lv_step(p), (u0[0], u0[1]), length=6)
    return sd.stack([u, v])


def _lv_np(p, u0):
    c = (u0[0], u0[1])
    for _ in range(6):
        c, _y = _lv_step(p)(c, None)
    return np.array(c)


case("scan_tuple_carry_no_xs", _lv_sd, _lv_np, A((4,), sample=POSITIVE), A((2,), sample=POSITIVE))


# -- nested scans, and a gradient inside a body ------------------------------------------------

def _nested_sd(a, xs):
    def outer(c, row):
        inner, _ = sd.scan(lambda d, x: (d * sd.cos(x * a) + c, None), c, row)
        return inner, inner * c
    c, ys = sd.scan(outer, a, xs)
    return c + sd.sum(ys)


def _nested_np(a, xs):
    def outer(c, row):
        d = c
        for x in row:
            d = d * np.cos(x * a) + c
        return d, d * c
    c, ys = _np_scan(outer, a, xs)
    return c + np.sum(ys)


case("scan_nested", _nested_sd, _nested_np, A((), sample=UNIT), A((3, 2), sample=UNIT))


def _gd_sd(a, x0):
    def step(x, _):   # gradient descent on a*x^4/4 + x^2/2 - x, the gradient taken inside the body
        f = a * x ** 4 / 4 + x * x / 2 - x
        return x - 0.3 * sd.grad(f, x), f
    x, fs = sd.scan(step, x0, length=4)
    return x + sd.sum(fs)


def _gd_np(a, x0):
    x, tot = x0, 0.0
    for _ in range(4):
        tot += a * x ** 4 / 4 + x * x / 2 - x
        x = x - 0.3 * (a * x ** 3 + x - 1)
    return x + tot


case("scan_grad_in_body", _gd_sd, _gd_np, A((), sample=UNIT), A((), sample=UNIT))


# -- fori_loop and while_loop ------------------------------------------------------------------

case("fori_loop_static", lambda a, x: sd.fori_loop(1, 4, lambda i, c: c * sd.sin(a + i) + x, x),
     lambda a, x: _fori_np(a, x), A((), sample=UNIT), A((3,), sample=UNIT))


def _fori_np(a, x):
    c = x
    for i in range(1, 4):
        c = c * np.sin(a + i) + x
    return c


def _while_sd(a, x):
    c, _k = sd.while_loop(lambda c: c[1] < 3, lambda c: (sd.sin(c[0]) * a + x, c[1] + 1),
                          (x, sd.constant(0)))
    return c


def _while_np(a, x):
    c, k = x, 0
    while k < 3:
        c, k = np.sin(c) * a + x, k + 1
    return c


case("while_loop_counter", _while_sd, _while_np, A((), sample=UNIT), A((2,), sample=UNIT), forward_only=True)
case("fori_loop_node_bounds", lambda a, x: sd.fori_loop(0, sd.constant(3), lambda i, c: sd.sin(c) * a + x, x),
     _while_np, A((), sample=UNIT), A((2,), sample=UNIT), forward_only=True)


# -- checkpointed loops whose init and xs are computed from the variable (not leaves) --------------

def _computed_sd(a, xs, **kw):
    c, ys = sd.scan(lambda c, x: (c * a + sd.sin(x), c * x), 2.0 * a, xs * a, **kw)
    return c + sd.sum(ys)


def _computed_np(a, xs, reverse=False):
    c, ys = _np_scan(lambda c, x: (c * a + np.sin(x), c * x), 2.0 * a, xs * a, reverse)
    return c + np.sum(ys)


case("scan_checkpoint_computed_inputs", lambda a, x: _computed_sd(a, x, checkpoint=2), _computed_np,
     A((), sample=UNIT), A((5,), sample=UNIT))
case("scan_checkpoint_computed_inputs_reverse", lambda a, x: _computed_sd(a, x, checkpoint=3, reverse=True),
     lambda a, x: _computed_np(a, x, reverse=True), A((), sample=UNIT), A((7,), sample=UNIT))

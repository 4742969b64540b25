"""Loops against JAX: ``lax.scan``, ``lax.while_loop`` and JAX's derivatives of them, on both backends."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import symdiff as sd
from tests.test_loops import OBS, P, _lv, _lv_loss_sd

jax = pytest.importorskip("jax", reason="JAX is the oracle of these tests (pip install -e '.[test]')")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy


def _lv_loss_jax(p, obs):
    def body(c, o):
        c2 = _lv(p, c)
        return c2, (c2[0] - o[0]) ** 2 + (c2[1] - o[1]) ** 2
    _, err = jax.lax.scan(body, (jnp.float64(1.0), jnp.float64(1.0)), obs)
    return jnp.sum(err)


@functools.lru_cache(maxsize=None)
def _lv_jax():
    """JAX's loss, gradient and Hessian at (P, OBS): computed once for every backend and checkpoint."""
    return _lv_loss_jax(P, OBS), jax.grad(_lv_loss_jax)(P, OBS), jax.hessian(_lv_loss_jax)(P, OBS)


@pytest.mark.parametrize("checkpoint", [None, 4])
def test_lotka_volterra_gradient_and_hessian_against_jax(backend, checkpoint):
    p, obs = sd.vector("p", 4), sd.matrix("obs", (12, 2))
    loss = _lv_loss_sd(p, obs, checkpoint=checkpoint)
    fn = sd.function([p, obs], [loss, sd.grad(loss, p), sd.hessian(loss, p), sd.hvp(loss, p, obs[0, 0] * p)],
                     backend=backend)
    f, g, H, hv = fn(P, OBS)
    want_f, want_g, want_h = _lv_jax()
    np.testing.assert_allclose(f, want_f, rtol=1e-12)
    np.testing.assert_allclose(g, want_g, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(H, want_h, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(hv, H @ (OBS[0, 0] * P), rtol=1e-9, atol=1e-12)


def _rnn(w, h0, xs, lib):
    def body(h, x):
        h2 = lib.tanh(w @ h + x)
        return h2, lib.sum(h2 * h2)
    return body, h0, xs


def test_rnn_jacobians_by_initial_carry_xs_and_weights_against_jax(backend, rng):
    w, h0, xs = sd.matrix("w", (3, 3)), sd.vector("h0", 3), sd.matrix("xs", (5, 3))
    hT, ys = sd.scan(*_rnn(w, h0, xs, sd))
    outs = [hT, ys, sd.jacobian(hT, h0), sd.jacobian(ys, xs), sd.jacobian(hT, w), sd.grad(sd.sum(ys), w)]
    vals = [0.5 * rng.standard_normal((3, 3)), rng.standard_normal(3), rng.standard_normal((5, 3))]
    got = sd.function([w, h0, xs], outs, backend=backend)(*vals)

    def run(wv, hv, xv):
        return jax.lax.scan(*_rnn(wv, hv, xv, jnp))
    want = [*run(*vals), jax.jacfwd(lambda h: run(vals[0], h, vals[2])[0])(vals[1]),
            jax.jacrev(lambda x: run(vals[0], vals[1], x)[1])(vals[2]),
            jax.jacrev(lambda wv: run(wv, vals[1], vals[2])[0])(vals[0]),
            jax.grad(lambda wv: jnp.sum(run(wv, vals[1], vals[2])[1]))(vals[0])]
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _outer(lib, scan, av):
    def body(c, row):
        inner, _ = scan(lambda d, x: (d * lib.cos(x * av) + c, None), c, row)
        return inner, inner * c
    return body


_XV = np.linspace(-1, 1, 12).reshape(4, 3)


@functools.lru_cache(maxsize=None)
def _nested_jax():
    """JAX's values and derivatives of the nested scans at a = 0.7: computed once for both backends."""
    def jf(av):
        def jscan(f_, init, xs_):
            return jax.lax.scan(lambda c_, x_: (f_(c_, x_)[0], None), init, xs_)
        cj, yj = jax.lax.scan(_outer(jnp, jscan, av), av, _XV)
        return cj + jnp.sum(yj)

    def jg(av):
        def inner(b, row):
            return jax.lax.scan(lambda d, x: (d * jnp.cos(x * b), None), 1.0, row)[0]
        return sum(jax.grad(inner)(av, row) for row in _XV)

    return [jf(0.7), jax.grad(jf)(0.7), jax.hessian(jf)(0.7), jg(0.7), jax.grad(jg)(0.7)]


def test_nested_scans_and_a_scan_inside_the_gradient_of_a_scan_against_jax(backend):
    a, xs = sd.scalar("a"), sd.matrix("xs", (4, 3))
    c, ys = sd.scan(_outer(sd, sd.scan, a), a, xs)
    f = c + sd.sum(ys)
    # the gradient of the inner loop with respect to a, taken inside another loop
    g_in = sd.scan(lambda s, row: (s + sd.grad(sd.scan(lambda d, x: (d * sd.cos(x * a), None), 1.0, row)[0], a),
                                   None), 0.0, xs)[0]
    fn = sd.function([a, xs], [f, sd.grad(f, a), sd.hessian(f, a), g_in, sd.grad(g_in, a)], backend=backend)
    got = fn(0.7, _XV)
    for x, y in zip(got, _nested_jax()):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)


def test_while_loop_forward_mode_against_jax(backend):
    x, v = sd.scalar("x"), sd.vector("v", 3)
    c, _ = sd.while_loop(lambda c: c[1] < 4, lambda c: (sd.sin(c[0]) * x + v, c[1] + 1), (v, sd.constant(0)))
    fn = sd.function([x, v], [c, sd.jacobian(c, v), sd.jvp(c, x, 1.0), sd.jacobian(sd.jacobian(c, v), v)],
                     backend=backend)

    def jw(xv, vv):
        return jax.lax.while_loop(lambda c: c[1] < 4, lambda c: (jnp.sin(c[0]) * xv + vv, c[1] + 1), (vv, 0))[0]
    vv = np.array([0.3, -0.2, 0.9])
    got = fn(0.8, vv)
    want = [jw(0.8, vv), jax.jacfwd(jw, argnums=1)(0.8, vv), jax.jvp(lambda t: jw(t, vv), (0.8,), (1.0,))[1],
            jax.jacfwd(jax.jacfwd(jw, argnums=1), argnums=1)(0.8, vv)]   # second order, forward over forward
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-13)



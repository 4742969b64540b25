"""The differentiation passes themselves: forks, broadcasting, intermediates, zeros, seeds."""

import numpy as np

import symdiff as sd
from symdiff.traversal import toposort


def test_adjoints_meeting_at_a_fork_are_summed_by_one_node():
    x = sd.vector("x", 3)
    e = sd.exp(x)
    cost = sd.sum(sd.sin(e) + sd.cos(e) + sd.tanh(e) * e)  # e has four users
    g = sd.grad(cost, x)
    adds = [n for n in toposort([g]) if n.op.name in ("add", "add_n")]
    sums_for_e = [n for n in adds if n.op.name == "add_n" and len(n.inputs) == 4]
    assert len(sums_for_e) == 1
    xv = np.array([0.1, -0.3, 0.7])
    ev = np.exp(xv)
    want = (np.cos(ev) - np.sin(ev) + (1 - np.tanh(ev) ** 2) * ev + np.tanh(ev)) * ev
    np.testing.assert_allclose(sd.evaluate(g, {x: xv}), want, rtol=1e-12)


def test_cotangents_are_summed_back_over_broadcast_axes():
    b = sd.vector("b", 3)
    a = sd.matrix("a", (4, 3))
    s = sd.scalar("s")
    cost = sd.sum((a + b) * s)
    gb, gs = sd.grad(cost, [b, s])
    assert gb.shape == (3,) and gs.shape == ()
    av, bv = np.arange(12.0).reshape(4, 3), np.array([1.0, 2.0, 3.0])
    out = sd.evaluate([gb, gs], {a: av, b: bv, s: 2.0})
    np.testing.assert_allclose(out[0], [8.0, 8.0, 8.0])
    np.testing.assert_allclose(out[1], np.sum(av + bv))


def test_gradient_with_respect_to_an_intermediate():
    x = sd.vector("x", 2)
    h = sd.sin(x)
    cost = sd.sum(h * h) + sd.sum(x)
    gh, gx = sd.grad(cost, [h, x])
    xv = np.array([0.3, -1.2])
    out = sd.evaluate([gh, gx], {x: xv})
    np.testing.assert_allclose(out[0], 2 * np.sin(xv))  # partial through h only
    np.testing.assert_allclose(out[1], 2 * np.sin(xv) * np.cos(xv) + 1)  # total derivative


def test_unrelated_node_gets_zeros_of_its_shape_and_dtype():
    x, y = sd.vector("x", 3), sd.matrix("y", (2, 2), dtype="float32")
    gy = sd.grad(sd.sum(x * x), y)
    assert gy.shape == (2, 2) and gy.dtype == np.float32
    np.testing.assert_array_equal(sd.evaluate(gy, {y: np.ones((2, 2), np.float32)}), np.zeros((2, 2)))


def test_float32_gradients_stay_float32():
    x = sd.vector("x", 3, dtype="float32")
    g = sd.grad(sd.sum(sd.exp(x) * 2.5 + x ** 2), x)
    assert g.dtype == np.float32
    h = sd.hessian(sd.sum(sd.exp(x) * 2.5), x)
    assert h.dtype == np.float32


def test_vjp_and_jvp_are_transposes_of_each_other():
    x = sd.vector("x", 4)
    A = sd.constant(np.random.default_rng(0).normal(size=(3, 4)))
    y = sd.tanh(A @ sd.sin(x))
    u, v = sd.vector("u", 3), sd.vector("v", 4)
    lhs = sd.sum(u * sd.jvp(y, x, v))
    rhs = sd.sum(sd.vjp(y, x, u) * v)
    rng = np.random.default_rng(1)
    vals = {x: rng.normal(size=4), u: rng.normal(size=3), v: rng.normal(size=4)}
    np.testing.assert_allclose(sd.evaluate(lhs, vals), sd.evaluate(rhs, vals), rtol=1e-12)


def test_jacobian_of_a_matrix_function_has_the_contract_shape():
    x = sd.matrix("x", (2, 3))
    y = sd.sum(sd.sin(x), axis=0)
    J = sd.jacobian(y, x)
    assert J.shape == (3, 2, 3)
    xv = np.random.default_rng(2).normal(size=(2, 3))
    Jv = sd.evaluate(J, {x: xv})
    want = np.zeros((3, 2, 3))
    for i in range(2):
        for j in range(3):
            want[j, i, j] = np.cos(xv[i, j])
    np.testing.assert_allclose(Jv, want)


def test_hessian_of_a_matrix_variable():
    x = sd.matrix("x", (2, 2))
    cost = sd.sum(x @ x)
    H = sd.hessian(cost, x)
    assert H.shape == (2, 2, 2, 2)
    # d2/dx_ab dx_cd sum_ij sum_k x_ik x_kj = [b == c] + [d == a]
    want = np.zeros((2, 2, 2, 2))
    for a in range(2):
        for b in range(2):
            for c in range(2):
                for d in range(2):
                    want[a, b, c, d] = (b == c) + (d == a)
    np.testing.assert_allclose(sd.evaluate(H, {x: np.ones((2, 2))}), want)


def test_derivatives_to_fourth_order_of_a_scalar():
    x = sd.scalar("x")
    f = sd.exp(sd.sin(x)) * x
    ds = [f]
    for _ in range(4):
        ds.append(sd.grad(ds[-1], x))
    import sympy

    xs = sympy.Symbol("x")
    fs = sympy.exp(sympy.sin(xs)) * xs
    for k, d in enumerate(ds):
        np.testing.assert_allclose(float(sd.evaluate(d, {x: 0.7})), float(sympy.diff(fs, xs, k).subs(xs, 0.7)), rtol=1e-10)


def test_derivative_graphs_compile_and_differentiate_again():
    x = sd.vector("x", "n")
    f = sd.sum(sd.softplus(x) * sd.cos(x))
    g = sd.grad(f, x)
    hv = sd.hvp(f, x, sd.ones_like(x))
    third = sd.grad(sd.sum(hv), x)
    fn = sd.function([x], [f, g, hv, third], backend="numpy")
    xv = np.array([0.2, -0.4, 1.1])
    _, gv, hvv, tv = fn(xv)
    eps = 1e-5
    gfn = sd.function([x], g, backend="numpy")
    hfn = sd.function([x], sd.sum(hv), backend="numpy")
    fd_h = np.array([(gfn(xv + eps * e) - gfn(xv - eps * e)) / (2 * eps) for e in np.eye(3)]).sum(axis=0)
    np.testing.assert_allclose(hvv, fd_h, rtol=1e-6)
    fd_t = np.array([(hfn(xv + eps * e) - hfn(xv - eps * e)) / (2 * eps) for e in np.eye(3)])
    np.testing.assert_allclose(tv, fd_t, rtol=1e-5)

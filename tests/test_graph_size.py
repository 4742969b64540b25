"""Graph-size guarantees, measured as node counts (never times)."""

import numpy as np
import pytest
import sympy

import symdiff as sd


def _chain(x, depth):
    y = x
    for _ in range(depth):
        y = sd.sin(y) * y + x
    return sd.sum(y)


@pytest.mark.parametrize("depth", [50, 500])
def test_gradient_of_a_chain_grows_linearly(depth):
    x = sd.vector("x", 4)
    cost = _chain(x, depth)
    forward_nodes = sd.count_nodes(cost)
    grad_nodes = sd.count_nodes(sd.grad(cost, x))
    # the gradient graph contains the forward graph plus a constant number of nodes per node
    assert grad_nodes / forward_nodes <= 3.5


def test_gradient_ratio_is_the_same_at_depth_50_and_500():
    x = sd.vector("x", 4)
    r = []
    for depth in (50, 500):
        cost = _chain(x, depth)
        r.append(sd.count_nodes(sd.grad(cost, x)) / sd.count_nodes(cost))
    assert abs(r[0] - r[1]) < 0.05


def _logistic_like(x):
    return sd.sum(sd.softplus(sd.sin(x) * x[::-1])) + sd.sum(x[1:] * x[:-1]) ** 2


@pytest.mark.parametrize("make", [_logistic_like, lambda x: sd.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)])
def test_hessian_size_does_not_depend_on_n(make):
    sizes = []
    for n in (10, 1000, "n"):
        x = sd.vector("x", n)
        sizes.append(sd.count_nodes(sd.hessian(make(x), x)))
    assert sizes[0] == sizes[1] == sizes[2]


def test_symbolic_hessian_evaluates_at_two_sizes():
    x = sd.vector("x", "n")
    f = sd.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    hf = sd.function([x], sd.hessian(f, x), backend="numpy")
    gf = sd.function([x], sd.grad(f, x), backend="numpy")
    for n in (3, 6):
        x0 = np.linspace(-0.5, 1.5, n)
        eps = 1e-6
        fd = np.array([(gf(x0 + eps * e) - gf(x0 - eps * e)) / (2 * eps) for e in np.eye(n)])
        np.testing.assert_allclose(hf(x0), fd, rtol=1e-6, atol=1e-4)


def _nested(x0, k, sin):
    x = x0
    for _ in range(k):
        x = sin(x) * x + x0
    return x


def kth_derivative_sizes(kmax):
    sizes = []
    for k in range(1, kmax + 1):
        x = sd.scalar("x")
        d = _nested(x, k, sd.sin)
        for _ in range(k):
            d = sd.grad(d, x)
        sizes.append(sd.count_nodes(d))
    return sizes


def test_kth_derivative_of_nested_chain_grows_polynomially():
    sizes = kth_derivative_sizes(9)
    ratios = [b / a for a, b in zip(sizes[2:], sizes[3:])]
    # exponential growth would keep the ratio constant; here it keeps falling
    assert all(r2 < r1 for r1, r2 in zip(ratios, ratios[1:]))
    # the local exponent log(s_k+1 / s_k) / log((k+1) / k) stays near 4 (a quartic);
    # for exponential growth it would climb with k
    exponents = [np.log(b / a) / np.log((k + 1) / k) for k, (a, b) in enumerate(zip(sizes, sizes[1:]), start=1)]
    assert exponents[-1] <= 4.5


def test_kth_derivative_is_smaller_than_sympys_and_agrees_with_it():
    xs = sympy.Symbol("x")
    for k in range(1, 5):
        x = sd.scalar("x")
        d = _nested(x, k, sd.sin)
        for _ in range(k):
            d = sd.grad(d, x)
        ds = sympy.diff(_nested(xs, k, sympy.sin), xs, k)
        if k >= 3:
            assert sd.count_nodes(d) < sympy.count_ops(ds)
        for x0 in (0.3, -1.1):
            assert np.isclose(float(sd.evaluate(d, {x: x0})), float(ds.subs(xs, x0)), rtol=1e-9)

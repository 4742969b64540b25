"""Exact derivative values at kinks and ties (JAX's documented conventions).

From docs/semantics.md:
abs'(0) = 1; relu'(0) = 0; maximum/minimum ties give 0.5 to each side;
max/min reductions split the cotangent equally among tied extrema;
clip(x, lo, hi) = minimum(maximum(x, lo), hi), so 0.5 at a boundary;
where(c, x, y): nothing flows to c; sign has derivative 0.
These are hard-coded expectations, evaluated through sd.grad / sd.jvp.
"""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd


def _eval(inputs, outputs, values, backend):
    return sd.function(inputs, outputs, backend=backend)(*values)


def _grad_at(build, values, backend, wrt=None):
    """Gradient of ``sum(build(*symbols))`` at ``values``, by each input (or ``wrt`` indices)."""
    syms = [sd.tensor(n, np.shape(v)) for n, v in zip("abcd", values)]
    cost = sd.sum(build(*syms))
    idx = list(range(len(syms))) if wrt is None else list(wrt)
    gs = sd.grad(cost, [syms[i] for i in idx])
    out = _eval(syms, gs, [np.asarray(v, dtype=np.float64) for v in values], backend)
    return [np.asarray(g) for g in out]


def test_abs_at_zero(backend):
    (g,) = _grad_at(sd.abs, [np.array([0.0, 2.0, -3.0])], backend)
    np.testing.assert_array_equal(g, [1.0, 1.0, -1.0])


def test_abs_builtin_at_zero(backend):
    (g,) = _grad_at(lambda x: abs(x), [np.array([-0.0, 0.0, -1.0])], backend)
    np.testing.assert_array_equal(g, [1.0, 1.0, -1.0])


def test_abs_jvp_at_zero(backend):
    x = sd.vector("x", 3)
    jv = sd.jvp(sd.abs(x), x, sd.constant(np.array([2.0, 2.0, 2.0])))
    np.testing.assert_array_equal(_eval([x], jv, [np.array([0.0, 1.0, -1.0])], backend),
                                  [2.0, 2.0, -2.0])


def test_relu_at_zero(backend):
    (g,) = _grad_at(sd.relu, [np.array([0.0, 2.0, -3.0])], backend)
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])


def test_relu_jvp_at_zero(backend):
    x = sd.vector("x", 3)
    jv = sd.jvp(sd.relu(x), x, sd.constant(np.ones(3)))
    np.testing.assert_array_equal(_eval([x], jv, [np.array([0.0, 1.0, -1.0])], backend),
                                  [0.0, 1.0, 0.0])


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_binary_tie_splits_half(op, backend):
    a = np.array([1.0, 2.0, -1.0, 0.0])
    b = np.array([1.0, 0.5, 3.0, 0.0])
    ga, gb = _grad_at(getattr(sd, op), [a, b], backend)
    if op == "maximum":
        np.testing.assert_array_equal(ga, [0.5, 1.0, 0.0, 0.5])
        np.testing.assert_array_equal(gb, [0.5, 0.0, 1.0, 0.5])
    else:
        np.testing.assert_array_equal(ga, [0.5, 0.0, 1.0, 0.5])
        np.testing.assert_array_equal(gb, [0.5, 1.0, 0.0, 0.5])


def test_maximum_tie_with_python_scalar(backend):
    (g,) = _grad_at(lambda x: sd.maximum(x, 0.0), [np.array([0.0, 1.0, -1.0])], backend)
    np.testing.assert_array_equal(g, [0.5, 1.0, 0.0])


def test_maximum_tie_broadcast_accumulates(backend):
    # b (shape ()) ties with two entries of a: 0.5 + 0.5, plus 1 where b wins outright
    a = np.array([1.0, 1.0, 0.0])
    b = np.array(1.0)
    ga, gb = _grad_at(sd.maximum, [a, b], backend)
    np.testing.assert_array_equal(ga, [0.5, 0.5, 0.0])
    np.testing.assert_array_equal(gb, 2.0)


def test_maximum_tie_jvp(backend):
    a, b = sd.vector("a", 2), sd.vector("b", 2)
    y = sd.maximum(a, b)
    va, vb = np.array([2.0, 2.0]), np.array([4.0, 4.0])
    f = sd.function([a, b], [sd.jvp(y, a, sd.constant(va)), sd.jvp(y, b, sd.constant(vb))],
                    backend=backend)
    ja, jb = f(np.array([1.0, 3.0]), np.array([1.0, 0.0]))
    np.testing.assert_array_equal(ja, [1.0, 2.0])
    np.testing.assert_array_equal(jb, [2.0, 0.0])


@pytest.mark.parametrize("op", ["max", "min"])
def test_reduction_ties_split_equally(op, backend):
    x = np.array([1.0, 3.0, 3.0, 2.0]) * (1 if op == "max" else -1)
    (g,) = _grad_at(getattr(sd, op), [x], backend)
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5, 0.0])


@pytest.mark.parametrize("op", ["max", "min"])
def test_reduction_three_way_tie(op, backend):
    x = np.array([[2.0, 2.0, 2.0], [1.0, 0.0, 5.0]]) * (1 if op == "max" else -1)
    (g,) = _grad_at(lambda t: getattr(sd, op)(t, axis=1), [x], backend)
    np.testing.assert_allclose(g, [[1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 1.0]], rtol=1e-15, atol=0)


@pytest.mark.parametrize("op", ["max", "min"])
def test_reduction_ties_per_axis(op, backend):
    x = np.array([[1.0, 1.0], [2.0, 0.0]])
    if op == "min":
        x = -x
    (g,) = _grad_at(lambda t: getattr(sd, op)(t, axis=1, keepdims=True), [x], backend)
    np.testing.assert_array_equal(g, [[0.5, 0.5], [1.0, 0.0]])


def test_max_reduction_all_tied(backend):
    (g,) = _grad_at(sd.max, [np.full((2, 2), 7.0)], backend)
    np.testing.assert_array_equal(g, np.full((2, 2), 0.25))


def test_clip_boundaries_with_python_bounds(backend):
    (g,) = _grad_at(lambda x: sd.clip(x, -1.0, 1.0), [np.array([-1.0, 1.0, 0.0, 2.0, -3.0])],
                    backend)
    np.testing.assert_array_equal(g, [0.5, 0.5, 1.0, 0.0, 0.0])


def test_clip_boundaries_with_symbolic_bounds(backend):
    x = np.array([-1.0, 1.0, 0.0, 2.0, -3.0])
    lo = np.full(5, -1.0)
    hi = np.full(5, 1.0)
    gx, glo, ghi = _grad_at(sd.clip, [x, lo, hi], backend)
    np.testing.assert_array_equal(gx, [0.5, 0.5, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(glo, [0.5, 0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(ghi, [0.0, 0.5, 0.0, 1.0, 0.0])


def test_where_no_flow_to_condition(backend):
    c = sd.vector("c", 4, dtype="bool")
    x, y = sd.vector("x", 4), sd.vector("y", 4)
    cost = sd.sum(sd.where(c, 3.0 * x, y * y))
    gx, gy = sd.grad(cost, [x, y])
    f = sd.function([c, x, y], [gx, gy], backend=backend)
    rx, ry = f(np.array([True, False, True, False]), np.ones(4), np.array([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(rx, [3.0, 0.0, 3.0, 0.0])
    np.testing.assert_array_equal(ry, [0.0, 4.0, 0.0, 8.0])


def test_where_grad_by_condition_is_type_error():
    c = sd.vector("c", 3, dtype="bool")
    x = sd.vector("x", 3)
    with pytest.raises(TypeError):
        sd.grad(sd.sum(sd.where(c, x, 0.0)), c)


def test_where_computed_condition_at_boundary(backend):
    # the condition depends on x but receives no cotangent; at x == 0, x > 0 is False
    (g,) = _grad_at(lambda x: sd.where(x > 0.0, 2.0 * x, 5.0 * x),
                    [np.array([0.0, 1.0, -1.0])], backend)
    np.testing.assert_array_equal(g, [5.0, 2.0, 5.0])


def test_sign_derivative_is_zero(backend):
    (g,) = _grad_at(lambda x: sd.sign(x) * 3.0, [np.array([0.0, 2.0, -0.5])], backend)
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0])


def test_comparison_results_are_bool():
    x = sd.vector("x", 3)
    for node in (x < 1.0, x <= 1.0, x > 1.0, x >= 1.0, sd.equal(x, 1.0), sd.not_equal(x, 1.0)):
        assert node.dtype == np.bool_

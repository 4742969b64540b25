"""The graph itself: hash-consing, the rebuild invariant, iterative walks, printing."""

import numpy as np
import pytest

import symdiff as sd
from symdiff.graph import OPS


def test_same_expression_twice_is_the_same_node():
    x = sd.vector("x", 3)
    a = sd.sum(sd.exp(x) * 2.0 + sd.sin(x))
    before = sd.count_nodes(a)
    b = sd.sum(sd.exp(x) * 2.0 + sd.sin(x))
    assert a is b
    assert sd.count_nodes([a, b]) == before


def test_common_subexpressions_are_shared():
    x = sd.vector("x", 3)
    e1, e2 = sd.exp(x), sd.exp(x)
    assert e1 is e2
    # exp, add, multiply, add: exp counted once
    assert sd.count_nodes((e1 + 1.0) * (e2 + 2.0)) == 4


def test_symbols_have_identity_not_structure():
    assert sd.scalar("x") is not sd.scalar("x")
    x1, x2 = sd.scalar("x"), sd.scalar("x")
    assert sd.exp(x1) is not sd.exp(x2)


def test_equality_operators_keep_identity_semantics():
    x = sd.vector("x", 2)
    assert (x == x) is True
    assert (x != sd.vector("x", 2)) is True
    assert len({x, sd.exp(x), sd.exp(x)}) == 2
    with pytest.raises(TypeError):
        bool(x > 0)


def test_nodes_are_immutable():
    x = sd.scalar("x")
    with pytest.raises(AttributeError):
        x.shape = (2,)


def test_every_registered_op_has_its_rules():
    from symdiff.graph import Op

    for name, op in OPS.items():
        cls = type(op)
        assert cls.infer is not Op.infer, name
        assert cls.impl is not Op.impl, name
        assert cls.__doc__, f"{name} has no docstring"
        if cls.differentiable:
            assert cls.vjp is not Op.vjp and cls.jvp is not Op.jvp, name


# deep chains (building, printing, evaluating and differentiating without RecursionError): test_errors.py


def test_shared_node_is_evaluated_once(monkeypatch):
    from symdiff.ops.elementwise import Exp

    calls = []
    original = Exp.impl

    def counting(self, *values):
        calls.append(1)
        return original(self, *values)

    monkeypatch.setattr(Exp, "impl", counting)
    x = sd.vector("x", 3)
    e = sd.exp(x)
    out = e * e + e
    fn = sd.function([x], [out, e], backend="numpy")
    fn(np.ones(3))
    assert len(calls) == 1


def test_debugprint_and_dot_name_operations_shapes_and_inputs():
    x = sd.matrix("weights", ("n", 3))
    y = sd.sum(sd.tanh(x), axis=1)
    text = sd.debugprint(y)
    assert "tanh" in text and "weights" in text and "('n', 3)" in text and "sum" in text
    dot = sd.to_dot(y)
    assert "weights" in dot and "tanh" in dot and "->" in dot


def test_symbolic_dims_flow_through_shape_rules():
    a = sd.matrix("a", ("n", "m"))
    v = sd.vector("v", "m")
    assert (a @ v).shape == ("n",)
    assert sd.reshape(a, (-1,)).shape == ("m*n",)
    assert sd.concatenate([v, v, sd.vector("w", 3)]).shape == ("2*m + 3",)
    assert a[1:].shape == ("n - 1", "m")
    assert sd.outer(v, v).shape == ("m", "m")
    f = sd.function([a, v], sd.concatenate([a @ v, a[0]]), backend="numpy")
    for n, m in [(2, 3), (5, 1)]:
        av, vv = np.arange(n * m, dtype=float).reshape(n, m), np.ones(m)
        np.testing.assert_allclose(f(av, vv), np.concatenate([av @ vv, av[0]]))


def test_mean_over_symbolic_axis_reads_the_size_at_run_time():
    a = sd.matrix("a", ("n", 2))
    f = sd.function([a], sd.mean(a, axis=0), backend="numpy")
    for n in (1, 4, 7):
        av = np.random.default_rng(n).normal(size=(n, 2))
        np.testing.assert_allclose(f(av), av.mean(axis=0))

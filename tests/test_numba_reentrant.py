"""The emitter is re-entrant: a lowering can emit a whole sub-plan inside a loop of its own.

This is what loop operations (scan, fori_loop) need. A test-only operation
``iterate(x, body, times)`` applies a one-input graph ``body`` ``times`` times;
its lowering plans the body once and emits it inside a ``for`` loop, with the
body's input bound to a carry buffer.
"""

from __future__ import annotations

import numpy as np
import pytest

import symdiff as sd
from symdiff.backends import loops as ir
from symdiff.backends.numba import lowering as L
from symdiff.backends.numba.emitter import PlanEmitter, plan_checks
from symdiff.backends.numba.planner import plan_graph
from symdiff.graph import OPS, Op

pytestmark = [pytest.mark.numba, pytest.mark.usefixtures("isolated_cache_dir")]


class _IterateLowering(L.Step):
    def call_checks(self, node):
        sym, out = node.kw["body"]
        return plan_checks(plan_graph([sym], [out]))   # the body's index checks, made by the caller

    def emit(self, em, node):
        sym, out = node.kw["body"]
        x = node.inputs[0]
        carry = em.buffer(x.shape, x.dtype, note=" (carry)")
        idx = tuple(ir.Var(em.fresh("j")) for _ in x.shape)
        em.out(ir.loop_nest(idx, x.shape, [ir.Assign(ir.Load(carry, idx), ir.Load(em.var_of(x).name, idx))]))
        sub = PlanEmitter(em.kb, plan_graph([sym], [out]), {id(sym): carry})
        body = sub.emit()                                  # the whole sub-plan ...
        result = sub.vars[id(out)]
        body.append(ir.loop_nest(idx, x.shape, [ir.Assign(ir.Load(carry, idx), ir.Load(result, idx))]))
        em.out(ir.For(ir.Var(em.fresh("t")), ir.Const(0), ir.Const(node.kw["times"]), body))  # ... in a loop
        em.bind(node, carry)


@pytest.fixture
def iterate_op():
    """Register the test-only operation and its lowering for one test (and remove them after)."""

    class _Iterate(Op):
        """``body`` applied ``times`` times to ``x`` (test only; no derivative)."""

        name = "test_iterate"
        differentiable = False

        def infer(self, x, *, body, times):
            return x.shape, x.dtype

        def impl(self, x, *, body, times):
            sym, out = body
            for _ in range(times):
                x = sd.evaluate(out, {sym: x})
            return x

    L.register("test_iterate", _IterateLowering())
    try:
        yield OPS["test_iterate"]
    finally:
        OPS.pop("test_iterate", None)
        L.LOWERINGS.pop("test_iterate", None)


def test_a_sub_plan_emitted_inside_a_loop(iterate_op):
    x = sd.vector("x", "n")
    s = sd.vector("s", "n")
    newton = 0.5 * (s + 2.0 / s)          # s -> sqrt(2) by Newton's method
    y = iterate_op.make(sd.exp(x) + 1.0, body=(s, newton), times=6)
    fn = sd.function([x], [y, sd.sum(y * x)], backend="numba")
    src = fn.source.split("# ---- call path")[0]
    assert "for t" in src and src.count("--- loop nest") >= 3  # the body's nest sits inside the loop
    xv = np.linspace(-1.0, 1.0, 5)
    got, total = fn(xv)
    np.testing.assert_allclose(got, np.sqrt(2.0), rtol=1e-12)
    np.testing.assert_allclose(total, np.sqrt(2.0) * xv.sum(), rtol=1e-12, atol=1e-12)


def test_a_sub_plan_with_accumulators_starts_them_at_every_iteration(iterate_op):
    x, s = sd.vector("x", "n"), sd.vector("s", "n")
    y = iterate_op.make(x * 1.0, body=(s, s / sd.sum(s, axis=0) + sd.max(s)), times=3)
    fn = sd.function([x], y, backend="numba")
    v = np.array([1.0, 2.0, 4.0])
    want = v.copy()
    for _ in range(3):
        want = want / want.sum() + want.max()
    np.testing.assert_allclose(fn(v), want, rtol=1e-12)


def test_a_sub_plan_s_index_checks_reach_the_caller(iterate_op):
    x, s = sd.vector("x", "n"), sd.vector("s", "n")
    y = iterate_op.make(x * 1.0, body=(s, s * s[3]), times=1)
    fn = sd.function([x], y, backend="numba")
    np.testing.assert_allclose(fn(np.arange(5.0)), np.arange(5.0) * 3.0)
    with pytest.raises(IndexError, match="index 3 is out of bounds"):
        fn(np.arange(2.0))

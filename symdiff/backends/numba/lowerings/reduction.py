"""Reductions: accumulators updated in the loop nest of the reduced input.

Each reduction is one :func:`reduction` call: its identity (the initial
accumulator) and how one value is combined into the accumulator. ``sum`` and
``prod`` accumulate float32 in float64, as NumPy's pairwise sums are about
that accurate. ``logsumexp`` keeps a running maximum and a rescaled sum.
"""

from __future__ import annotations

import numpy as np

from .... import dtypes as dt
from ... import loops as ir
from ..lowering import Check, Reduction, identity_value, register
from .elementwise import choose


class Simple(Reduction):
    """One accumulator: ``acc = combine(acc, value)`` from ``identity``."""

    def __init__(self, identity, combine, widen: bool):
        self.identity = identity
        self.combine = combine
        self.widen = widen

    def acc_dtype(self, node):
        return super().acc_dtype(node) if self.widen else node.dtype

    def accumulators(self, dtype):
        return [ir.const(identity_value(self.identity, dtype), dtype)]

    def update(self, accs, value, dtype):
        return [ir.Assign(accs[0], self.combine(accs[0], value, np.dtype(dtype)))]


class Extremum(Simple):
    """max / min: no identity, so a symbolic reduced axis must not be empty (NumPy's ValueError)."""

    def call_checks(self, node):
        x = node.inputs[0]
        return [Check(ir.Bin(">", ir.dim_expr(x.shape[a]), ir.Const(0)),
                      f"zero-size array to reduction operation {node.op.name}imum which has no identity "
                      f"(axis {a} of {x.shape} has size ", ir.dim_expr(x.shape[a]), ")", "ValueError")
                for a in node.kw["axes"] if not isinstance(x.shape[a], int)]


def reduction(name: str, identity, combine, widen: bool = False, exact_input: bool = False) -> None:
    """Register reduction ``name``: ``identity`` (a number; +-inf mean the dtype's extremes) and ``combine``."""
    entry = (Extremum if name in ("max", "min") else Simple)(identity, combine, widen)
    entry.exact_input = exact_input
    register(name, entry)


def _plus(acc, v, d):
    return ir.Bin("|" if d == dt.BOOL else "+", acc, v)


def _times(acc, v, d):
    return ir.Bin("&" if d == dt.BOOL else "*", acc, v)


reduction("sum", 0, _plus, widen=True)
reduction("prod", 1, _times, widen=True, exact_input=True)   # its derivative tests entries for zero
reduction("max", -np.inf, lambda acc, v, d: choose(v, acc, True, d), exact_input=True)
reduction("min", np.inf, lambda acc, v, d: choose(v, acc, False, d), exact_input=True)
reduction("any", False, lambda acc, v, d: ir.Bin("|", acc, v))
reduction("all", True, lambda acc, v, d: ir.Bin("&", acc, v))


class _LogSumExp(Reduction):
    """``m`` the running maximum, ``s`` the sum of ``exp(x - m)``: one pass, no overflow."""

    cost = 8

    def accumulators(self, dtype):
        return [ir.const(-np.inf, dtype), ir.const(0, dtype)]

    def update(self, accs, value, dtype):
        m, s = accs
        one = ir.const(1, dtype)
        d = np.dtype(dtype).name
        exp = lambda e: ir.Call("exp", (e,), d)  # noqa: E731
        return [ir.If(ir.cmp(">", value, m),
                      [ir.Assign(s, ir.Bin("+", ir.Bin("*", s, exp(ir.Bin("-", m, value))), one)),
                       ir.Assign(m, value)],
                      [ir.If(ir.cmp("==", value, m), [ir.Assign(s, one, "+")],
                             [ir.Assign(s, exp(ir.Bin("-", value, m)), "+")])])]

    def finish(self, accs, dtype):
        m, s = accs
        return ir.Bin("+", ir.Call("log", (s,), np.dtype(dtype).name), m)


register("logsumexp", _LogSumExp())

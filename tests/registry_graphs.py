"""Graphs that reach every registered operation, for the registry-wide tests.

``every_op_graph()`` builds each row of the operation table, the gradient of
each differentiable row, and a few internal operations that only derivative
rules create (pad_axis, take_add, put_along_axis_add, scatter_index ...).
``tests/test_registry.py`` asserts that together they reach every operation in
``symdiff.graph.OPS``, so an operation added without a table row fails there.
"""

from __future__ import annotations

import numpy as np

import symdiff as sd
import symdiff.graph as g
from symdiff.traversal import toposort
from tests.optable import CASES


def internal_ops_graph():
    """Operations that user code reaches only through derivatives, built directly."""
    x = sd.vector("x", "n")
    m = sd.matrix("m", (3, 4))
    i = sd.vector("i", 2, dtype="int64")
    outs = [
        sd.eye("n") * x,
        sd.zeros_like(x) + sd.mean(x),
        g.OPS["pad_axis"].make(x, axis=0, before=1, after=2),
        g.OPS["take_add"].make(m[:2], i, axis=0, shape=(3, 4)),
        g.OPS["put_along_axis_add"].make(m[:, :2], sd.reshape(i, (1, 2)), axis=1, shape=(3, 4)),
        g.OPS["scatter_index"].make(m[1:, ::2], index=m[1:, ::2].kw["index"], shape=(3, 4)),
        sd.add_n(x, x * 2.0, x * 3.0),
        sd.reciprocal(x + 3.0),
        sd.concatenate([x, x[::-1]]),
        sd.sum(m),
        sd.logical_not(x > 0.0),
        sd.logical_or(x > 0.5, x < -0.5),
        sd.logical_and(x > -0.5, x < 0.5),
    ]
    return [x, m, i], outs


def covering(cases, key) -> list:
    """The first rows that together reach every ``key(node)`` the whole table reaches.

    The full table runs on every backend listed in ``tests/backends.py``; a covering
    subset keeps the number of (slow) compilations small.
    """
    seen, out = set(), []
    for c in cases:
        try:
            keys = {key(n) for n in toposort([c.fn(*c.symbols())])}
        except Exception:
            continue
        if keys - seen:
            out.append(c)
            seen |= keys
    return out


def row_gradients(case, syms) -> list:
    """Gradients of ``sum(y * w)`` for a table row's output ``y``, by each differentiable input.

    ``w`` is fixed weights for static shapes and ``cos(y)`` otherwise, so every
    entry of the cotangent differs.
    """
    try:
        d = case.diff_args()
    except Exception:
        return []
    if not d:
        return []
    y = case.fn(*syms)
    if case.forward_only:   # no reverse mode (while_loop): the tangent instead
        return [sd.jvp(y, syms[i], sd.ones_like(syms[i])) for i in d]
    if all(isinstance(k, int) for k in y.shape):
        w = sd.constant(np.linspace(0.5, 1.5, int(np.prod(y.shape))).reshape(y.shape))
    else:
        w = sd.cos(y)
    return list(sd.grad(sd.sum(y * w), [syms[i] for i in d]))


def every_op_graph() -> list:
    """Output nodes whose graphs together contain every operation the table and rules reach."""
    outs = []
    for case in CASES:
        syms = case.symbols()
        try:
            y = case.fn(*syms)
        except Exception:
            continue
        outs.append(y)
        outs += row_gradients(case, syms)
    outs += internal_ops_graph()[1]
    return outs

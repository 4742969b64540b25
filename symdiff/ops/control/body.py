"""Closed subgraphs held by loop operations: loop arguments, tracing and closure conversion.

A :class:`Body` is ``(args, outputs)``: a graph whose only leaves are its own
*loop arguments* (``loop_arg`` nodes) and constants. A loop operation keeps
its body in a param, so the body is hash-consed with the node: loop
arguments are named canonically by ``(level, index, shape, dtype)``, so
tracing the same Python function twice gives the same body and the same loop
node. ``level`` is the nesting depth at which the body was traced; it keeps
the arguments of an inner body apart from those of the body around it.

Values a traced function reads from outside (parameters, symbols, the outer
body's arguments) are *captured*: each largest subexpression that does not
depend on the loop's own arguments becomes an extra argument, and the node
it stands for becomes an input of the loop node. Derivatives with respect to
parameters are then derivatives with respect to the loop's inputs, and
loop-invariant code is computed once, outside the loop.

>>> import symdiff as sd
>>> theta = sd.scalar("theta")
>>> body, captured = trace(lambda c: (c * sd.exp(theta),), [((), "float64")])
>>> [a.op.label(a) for a in body.args], [n.op.name for n in captured]
(['a0', 'a1'], ['exp'])
"""

from __future__ import annotations

import itertools
import threading
from typing import Callable, Sequence

import numpy as np

from ... import dtypes as _dt
from ...graph import Node, Op, as_node
from ...traversal import descendants_within, toposort


class LoopArg(Op):
    """An argument of a loop body: bound by the loop to its carry, its slice of ``xs`` or a captured value."""

    name = "loop_arg"
    sparsity = "none"
    is_input = True
    differentiable = False

    def infer(self, *, name, level, index, shape, dtype, trace):
        return shape, dtype

    def impl(self, **params):
        raise RuntimeError("loop arguments are bound by their loop, not evaluated")

    def label(self, node):
        return str(node.kw["name"])


def loop_arg(level: int, index: int, shape, dtype, trace: int = 0) -> Node:
    """The canonical argument ``index`` of a body traced at depth ``level`` (``trace``: while tracing, the trace's number)."""
    from ...graph import OPS

    return OPS["loop_arg"].make(name=f"a{index}" if level <= 1 else f"a{index}_{level}",
                                level=level, index=index, shape=tuple(shape), dtype=_dt.as_dtype(dtype), trace=trace)


class Body:
    """A closed subgraph: ``outputs`` computed from ``args`` (and constants) only. Immutable, hashable.

    Equality is identity of the nodes, which are hash-consed, so two bodies
    built the same way are equal.
    """

    __slots__ = ("args", "outputs", "_hash", "__weakref__")

    def __init__(self, args: Sequence[Node], outputs: Sequence[Node]):
        set_ = object.__setattr__
        set_(self, "args", tuple(args))
        set_(self, "outputs", tuple(outputs))
        set_(self, "_hash", hash((tuple(map(id, self.args)), tuple(map(id, self.outputs)))))

    def __setattr__(self, name, value):
        raise AttributeError("bodies are immutable")

    def __eq__(self, other):
        return (isinstance(other, Body) and len(self.args) == len(other.args)
                and len(self.outputs) == len(other.outputs)
                and all(a is b for a, b in zip(self.args, other.args))
                and all(a is b for a, b in zip(self.outputs, other.outputs)))

    def __hash__(self):
        return self._hash

    def __repr__(self):
        return f"body({len(self.args)} -> {len(self.outputs)})"

    @property
    def level(self) -> int:
        return max((a.kw["level"] for a in self.args), default=1)

    def with_outputs(self, outputs: Sequence[Node]) -> "Body":
        return Body(self.args, outputs)


def fresh_args(level: int, start: int, specs) -> list[Node]:
    """Loop arguments numbered from ``start`` with the (shape, dtype) ``specs``."""
    return [loop_arg(level, start + k, s, d) for k, (s, d) in enumerate(specs)]


def next_index(*bodies: Body) -> int:
    """An argument index unused by ``bodies`` (derivative rules add arguments after it)."""
    return 1 + max((a.kw["index"] for b in bodies for a in b.args), default=-1)


# -- tracing --------------------------------------------------------------------------------

_STATE = threading.local()


def current_level() -> int:
    return getattr(_STATE, "level", 0)


_TRACES = itertools.count(1)


def trace(fn: Callable, specs, loop: str = "scan"):
    """Call ``fn`` on fresh loop arguments with the (shape, dtype) ``specs``; close the result.

    ``fn`` returns a sequence of nodes (the caller flattens structures). Returns
    ``(body, captured)``: the body's arguments are the traced ones followed by
    one per captured value, and ``captured`` lists the nodes those stand for.
    While ``fn`` runs its arguments carry the trace's own number, so a value
    of a body whose tracing has ended (kept by the user and used in another
    loop) is recognised and refused; the body is then renamed to canonical
    arguments, so equal functions give equal bodies.
    """
    level = current_level() + 1
    token = next(_TRACES)
    args = [loop_arg(level, k, s, d, trace=token) for k, (s, d) in enumerate(specs)]
    active = getattr(_STATE, "active", ())
    _STATE.level, _STATE.active = level, active + (token,)
    try:
        outputs = [as_node(o) for o in fn(*args)]
    finally:
        _STATE.level, _STATE.active = level - 1, active
    return close(args, outputs, level, set(active), loop)


def close(args: Sequence[Node], outputs: Sequence[Node], level: int, active: set = frozenset(), loop: str = "scan"):
    """Closure conversion: the values ``outputs`` read from outside become extra arguments.

    A node is *outside* when it does not depend on ``args`` but depends on an
    input symbol or on an argument of an enclosing body being traced
    (``active``); the largest such subexpressions are captured (loop-invariant
    code, computed once by the caller). Constant subexpressions stay inside.
    The body's arguments are renamed to canonical ones.
    """
    order = toposort(outputs)
    inner = descendants_within(order, args)
    own = {id(a) for a in args}
    leaves = [n for n in order if n.op.is_input and id(n) not in own]
    for n in leaves:
        if n.op.name == "loop_arg" and n.kw["trace"] not in active:
            raise ValueError(
                f"{loop}: the body uses {n.op.label(n)}, a value of another loop's body whose tracing has ended; "
                "a value computed inside a loop body exists only there: return it as a carry or a y")
    foreign = descendants_within(order, leaves) if leaves else set()
    captured: list[Node] = []
    seen: set[int] = set()

    def capture(n):
        if id(n) in foreign and id(n) not in inner and id(n) not in seen:
            seen.add(id(n))
            captured.append(n)

    for n in order:
        if id(n) in inner:
            for x in n.inputs:
                capture(x)
    for y in outputs:
        capture(y)
    canonical = fresh_args(level, 0, [(a.shape, a.dtype) for a in args])
    stand_ins = fresh_args(level, len(args), [(c.shape, c.dtype) for c in captured])
    mapping = {id(c): a for c, a in zip(captured, stand_ins)}
    mapping.update((id(a), c) for a, c in zip(args, canonical))
    return Body(canonical + stand_ins, substitute(outputs, mapping)), captured


def substitute(outputs: Sequence[Node], mapping: dict[int, Node]) -> list[Node]:
    """The graph of ``outputs`` with the nodes whose ids are in ``mapping`` replaced (iterative)."""
    done: dict[int, Node] = dict(mapping)
    stack = [(y, False) for y in reversed(outputs)]
    while stack:
        node, ready = stack.pop()
        if id(node) in done:
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((x, False) for x in node.inputs if id(x) not in done)
            continue
        ins = tuple(done[id(x)] for x in node.inputs)
        done[id(node)] = node if all(a is b for a, b in zip(ins, node.inputs)) else node.op.make(*ins, **node.kw)
    return [done[id(y)] for y in outputs]


def body_tangents(body: Body, inputs, tangents, n_carry: int, nb: int, start: int):
    """Forward mode through a loop body, the part ``scan`` and ``while_loop`` share.

    An argument is *active* when its input has a float tangent, and a carry
    also when its next value depends on an active argument (a fixed point: a
    carry starting with a zero tangent may gain one). Returns ``(on, t_args,
    t_outs, dep, batch)``: the active argument positions, a tangent argument
    for each (numbered from ``start``, with the ``nb`` batch axes), the
    tangents of the body's outputs, the ids of body nodes depending on an
    active argument, and the batch shape.
    """
    from ...autodiff.forward import forward

    args, outs = body.args, body.outputs
    active = [t is not None and is_float(x) for t, x in zip(tangents, inputs)]
    order = toposort(outs)
    while True:
        dep = descendants_within(order, [a for a, on in zip(args, active) if on])
        grow = [k for k in range(n_carry) if not active[k] and is_float(outs[k]) and id(outs[k]) in dep]
        if not grow:
            break
        for k in grow:
            active[k] = True
    batch = next(t.shape[:nb] for t in tangents if t is not None)
    on = [i for i in range(len(inputs)) if active[i]]
    t_args = dict(zip(on, fresh_args(body.level, start, [(batch + args[i].shape, args[i].dtype) for i in on])))
    t_outs = forward(list(outs), [args[i] for i in on], [t_args[i] for i in on], nb=nb)
    return on, t_args, t_outs, dep, batch


def seed(tangents, inputs, i: int, batch: tuple) -> Node:
    """The tangent of input ``i``: the one given, or zeros with the ``batch`` axes where there is none."""
    from ..creation import zeros

    t = tangents[i]
    return zeros(batch + inputs[i].shape, inputs[i].dtype) if t is None else t


def specs_of(nodes: Sequence[Node]) -> list[tuple]:
    return [(n.shape, n.dtype) for n in nodes]


def slice_specs(xs: Sequence[Node]) -> list[tuple]:
    """(shape, dtype) of one step's slice of each ``xs`` (the leading axis dropped)."""
    return [(x.shape[1:], x.dtype) for x in xs]


def is_float(n) -> bool:
    return _dt.is_float(np.dtype(n.dtype))

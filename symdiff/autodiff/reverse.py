"""Reverse accumulation: one walk in reverse topological order.

Each node's adjoint is the sum of the cotangents its users sent it, made as
one ``add_n`` node at a fork. The operation's ``vjp`` rule turns that adjoint
into cotangents for its inputs; cotangents of a broadcast shape are summed back
to the input's shape here, once, rather than in every rule.
"""

from __future__ import annotations

from typing import Sequence

from .. import dtypes as dt
from ..graph import Node
from ..ops import creation, elementwise as ew, reduction, shape as shp
from ..traversal import descendants_within, toposort


def unbroadcast(g: Node, shape) -> Node:
    """Sum ``g`` over the axes that broadcasting added or stretched, to get ``shape``."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead >= 0:
        axes = tuple(range(lead)) + tuple(
            lead + i for i, d in enumerate(shape) if d == 1 and g.shape[lead + i] != 1
        )
        if axes:
            g = reduction.sum(g, axis=axes, keepdims=True)
            g = shp.reshape(g, g.shape[lead:])
    if g.shape != shape:  # a rule returned something smaller: stretch it
        g = shp.broadcast_to(g, shape)
    return g


def check_differentiable(node: Node, role: str) -> None:
    if not dt.is_float(node.dtype):
        raise TypeError(
            f"cannot differentiate {role} {node!r}: its dtype is {node.dtype}; "
            "derivatives exist only for float32/float64 nodes"
        )


def backward(seeds: Sequence[tuple[Node, Node]], wrt: Sequence[Node]) -> list[Node]:
    """Adjoints of ``wrt`` given output cotangents ``seeds`` = [(output, cotangent)].

    Nodes the outputs do not depend on get zeros.
    """
    for w in wrt:
        check_differentiable(w, "with respect to")
    order = toposort([y for y, _ in seeds])
    relevant = descendants_within(order, wrt)
    pending: dict[int, list[Node]] = {}
    for y, ct in seeds:
        if id(y) in relevant:
            check_differentiable(y, "the output")
            pending.setdefault(id(y), []).append(ct)
    adjoint: dict[int, Node] = {}
    for node in reversed(order):
        cts = pending.pop(id(node), None)
        if not cts:
            continue
        op = node.op
        if op.multi_output:   # one cotangent per output, from the projections used
            ct = _per_output(cts, len(op.output_types(node)))
        else:
            ct = ew.add_n(*cts)
            adjoint[id(node)] = ct
        if node.inputs and node.inputs[0].op.multi_output:   # a projection: to the tuple, marked with its output
            t = node.inputs[0]
            if id(t) in relevant:
                pending.setdefault(id(t), []).append((node.kw["index"], ct))
            continue
        needs = [id(x) in relevant and i not in op.nondiff_inputs for i, x in enumerate(node.inputs)]
        if not any(needs):
            continue
        if op.multi_output:   # integer inputs of a loop (a counter) carry no derivative
            needs = [need and dt.is_float(x.dtype) for x, need in zip(node.inputs, needs)]
        for x, need in zip(node.inputs, needs):
            if need and not dt.is_float(x.dtype):
                raise TypeError(
                    f"cannot differentiate through {node.op.name}: its input {x!r} is {x.dtype} "
                    "and depends on the variable; integer and boolean nodes have no derivative"
                )
        input_cts = op.vjp(ct, node, *node.inputs, **node.kw)
        for x, need, g in zip(node.inputs, needs, input_cts):
            if not need or g is None:
                continue
            g = unbroadcast(g, x.shape)
            if g.dtype != x.dtype:
                g = ew.cast(g, x.dtype)
            pending.setdefault(id(x), []).append(g)
    return [adjoint.get(id(w)) if id(w) in adjoint else creation.zeros_like(w) for w in wrt]


def _per_output(cts: list, n: int) -> tuple:
    """``[(output, cotangent), ...]`` summed per output; ``None`` where none arrived."""
    per: list[list] = [[] for _ in range(n)]
    for k, g in cts:
        per[k].append(g)
    return tuple(ew.add_n(*gs) if gs else None for gs in per)

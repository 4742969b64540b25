"""Forward accumulation: tangents pushed through the graph in topological order.

A tangent may carry ``nb`` leading *batch* axes: seeding an input with an
identity matrix then yields a whole Jacobian in one pass whose graph size does
not depend on the input's length. ``None`` stands for a zero tangent, so paths
that do not depend on the variable add no nodes.
"""

from __future__ import annotations

from typing import Sequence

from .. import dtypes as dt
from ..graph import Node
from ..ops import creation, elementwise as ew, shape as shp
from ..ops._util import lift
from ..traversal import descendants_within, toposort
from .reverse import check_differentiable


def forward(outputs: Sequence[Node], wrt: Sequence[Node], tangents: Sequence[Node], nb: int = 0) -> list[Node]:
    """Tangents of ``outputs`` given ``tangents`` of ``wrt`` (each with ``nb`` batch axes)."""
    for w in wrt:
        check_differentiable(w, "with respect to")
    batch = tangents[0].shape[:nb] if tangents else ()
    order = toposort(outputs)
    relevant = descendants_within(order, wrt)
    tan: dict[int, Node] = {}
    for w, t in zip(wrt, tangents):
        tan[id(w)] = t if t.dtype == w.dtype else ew.cast(t, w.dtype)
    for node in order:
        if id(node) in tan or id(node) not in relevant:
            continue
        op = node.op
        if not op.differentiable or not (dt.is_float(node.dtype) or op.multi_output):
            continue  # piecewise-constant: a consumer that needs its derivative raises below
        if op.multi_output:   # a loop: integer inputs (a counter) carry no tangent
            ts = [tan.get(id(x)) if dt.is_float(x.dtype) else None for x in node.inputs]
            if any(t is not None for t in ts):
                tan[id(node)] = op.jvp(ts, node, *node.inputs, nb=nb, **node.kw)
            continue
        for i, x in enumerate(node.inputs):
            if i not in op.nondiff_inputs and id(x) in relevant and not (dt.is_float(x.dtype) or x.op.multi_output):
                raise TypeError(
                    f"cannot differentiate through {op.name}: its input {x!r} is {x.dtype} "
                    "and depends on the variable; integer and boolean nodes have no derivative"
                )
        ts = [None if i in op.nondiff_inputs else tan.get(id(x)) for i, x in enumerate(node.inputs)]
        if all(t is None for t in ts):
            continue
        t = op.jvp(ts, node, *node.inputs, nb=nb, **node.kw)
        if t is None:
            continue
        want = batch + node.shape
        if t.shape != want:
            t = lift(t, t.ndim - nb, node.ndim, nb) if t.ndim < len(want) else t
            t = shp.broadcast_to(t, want)
        if t.dtype != node.dtype:
            t = ew.cast(t, node.dtype)
        tan[id(node)] = t
    out = []
    for y in outputs:
        if id(y) in relevant:
            check_differentiable(y, "the output")
        t = tan.get(id(y))
        out.append(t if t is not None else creation.zeros(batch + y.shape, y.dtype if dt.is_float(y.dtype) else "float64"))
    return out

"""Operations with several outputs: a tuple-valued node and its projections.

A multi-output operation (a loop) makes one node whose value is a tuple of
arrays; its shape is ``()`` and its dtype ``object``, and
``op.output_types(node)`` gives each output's shape and dtype. Every use
goes through ``tuple_get(node, k)``, an ordinary array node. The derivative
passes treat the pair specially: forward mode gives the tuple node a tuple of
tangents, reverse mode hands the tuple node one cotangent per output
(``None`` where no projection was used).

>>> import symdiff as sd
>>> c, ys = sd.scan(lambda c, x: (c + x, c * x), sd.scalar("c0"), sd.vector("xs", 3))
>>> c.op.name, ys.op.name, c.inputs[0] is ys.inputs[0]
('tuple_get', 'tuple_get', True)
"""

from __future__ import annotations

import numpy as np

from ...graph import Node, Op

TUPLE = np.dtype(object)


class MultiOutput(Op):
    """Base of operations whose node is a tuple of arrays (no public function of its own)."""

    multi_output = True

    def output_types(self, node: Node) -> list[tuple]:
        """``[(shape, dtype), ...]``, one per output."""
        raise NotImplementedError


class TupleGet(Op):
    """Output ``index`` of a multi-output node. Its derivative rules route to the tuple node."""

    name = "tuple_get"
    sparsity = "dense"

    def infer(self, t, *, index):
        types = t.op.output_types(t)
        if not 0 <= index < len(types):
            raise IndexError(f"tuple_get: output {index} of a node with {len(types)} outputs")
        return types[index]

    def impl(self, t, *, index):
        return t[index]

    def label(self, node):
        return f"{node.inputs[0].op.name}[{node.kw['index']}]"

    def jvp(self, tangents, out, t, *, index, nb=0):
        return None if tangents[0] is None else tangents[0][index]

    def vjp(self, ct, out, t, *, index):  # pragma: no cover - the reverse pass routes projections itself
        raise AssertionError("tuple_get cotangents are gathered by the reverse pass")


def tuple_get(t: Node, index: int) -> Node:
    from ...graph import OPS

    return OPS["tuple_get"].make(t, index=index)


def outputs_of(t: Node) -> list[Node]:
    """Every output of a multi-output node, as projections."""
    return [tuple_get(t, k) for k in range(len(t.op.output_types(t)))]

"""Iterative graph walks: topological order and descendants.

No walk recurses, so a 100,000-node chain is as easy as a short one.
"""

from __future__ import annotations

from typing import Iterable

from .graph import Node


def toposort(outputs: Iterable[Node]) -> list[Node]:
    """All nodes the outputs depend on, each after its inputs (inputs first).

    >>> import symdiff as sd
    >>> x = sd.scalar("x")
    >>> [n.op.name for n in toposort([sd.exp(x) + x])]
    ['input', 'exp', 'add']
    """
    order: list[Node] = []
    done: set[int] = set()
    for root in outputs:
        if id(root) in done:
            continue
        stack = [(root, 0)]
        while stack:
            node, i = stack.pop()
            if i < len(node.inputs):
                stack.append((node, i + 1))
                child = node.inputs[i]
                if id(child) not in done:
                    stack.append((child, 0))
            elif id(node) not in done:
                done.add(id(node))
                order.append(node)
    return order


def descendants_within(order: list[Node], sources: Iterable[Node]) -> set[int]:
    """ids of nodes in ``order`` (a toposort) that depend on any of ``sources``, sources included."""
    reached = {id(s) for s in sources}
    for node in order:
        if id(node) not in reached and any(id(i) in reached for i in node.inputs):
            reached.add(id(node))
    return reached


def all_nodes(outputs: Iterable[Node]) -> list[Node]:
    """Every node of the graph and of the loop bodies inside it (each body once), graph first.

    >>> import symdiff as sd
    >>> c, _ = sd.scan(lambda c, x: (c * x, None), sd.scalar("c"), sd.vector("xs", 3))
    >>> sorted({n.op.name for n in all_nodes([c])} - {n.op.name for n in toposort([c])})
    ['loop_arg', 'multiply']
    """
    out: list[Node] = []
    seen_bodies: set = set()
    work = [list(outputs)]
    while work:
        for n in toposort(work.pop()):
            out.append(n)
            for p in n.op.body_params:
                body = n.kw[p]
                if body not in seen_bodies:
                    seen_bodies.add(body)
                    work.append(list(body.outputs))
    return out

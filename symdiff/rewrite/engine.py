"""The rewrite engine: one bottom-up pass over the topological order.

Each node is rebuilt from its (already rewritten) inputs, then the rules
indexed by its operation are tried until none fires. Nodes a rule creates are
settled the same way before the result is accepted, so the graph is at a fixed
point after one pass. Interning makes the rebuilt graph share every common
subexpression; nodes nothing reaches any more are simply not in it (dead-node
elimination for free).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from ..graph import Node
from ..traversal import toposort
from .patterns import Rule

MAX_FIRINGS = 32  # per node; a guard against a rule set that cycles


def fit(new: Node, old: Node) -> Node:
    """``new`` with exactly ``old``'s shape and dtype (a rule may return a broadcastable value)."""
    from ..ops import elementwise as ew, shape as shp

    if new.dtype != old.dtype:
        new = ew.cast(new, old.dtype)
    if new.shape != old.shape:
        new = shp.broadcast_to(new, old.shape)
    return new


class Rewriter:
    def __init__(self, rules: Sequence[Rule], fast_math: bool = False, protect: Iterable[Node] = ()):
        self.by_op: dict[str, list[Rule]] = {}
        self.wildcard: list[Rule] = []
        for r in rules:
            if r.fast_math and not fast_math:
                continue
            if r.root == "*":
                self.wildcard.append(r)
            else:
                self.by_op.setdefault(r.root, []).append(r)
        self.protect = frozenset(id(n) for n in protect)
        self.final: dict[int, Node] = {}  # id(original or created) -> settled node
        self._keep: list[Node] = []  # keep originals alive so their ids stay unique
        self.fired: dict[str, int] = {}
        self._bodies: dict = {}  # Body -> rewritten Body (a loop's body is rewritten once)

    def run(self, outputs: Sequence[Node]) -> list[Node]:
        for node in toposort(outputs):
            self._visit(node)
        return [self.final[id(y)] for y in outputs]

    def _visit(self, node: Node) -> Node:
        got = self.final.get(id(node))
        if got is not None:
            return got
        self._keep.append(node)
        kw = self._rewrite_bodies(node)
        if node.inputs or kw is not node.kw:
            inputs = tuple(self.final[id(i)] for i in node.inputs)
            if kw is not node.kw or any(a is not b for a, b in zip(inputs, node.inputs)):
                rebuilt = node.op.make(*inputs, **kw)
                if id(node) in self.protect:
                    self.protect = self.protect | {id(rebuilt)}
                node_now = rebuilt
            else:
                node_now = node
        else:
            node_now = node
        settled = self._settle(node_now)
        self.final[id(node)] = settled
        self.final[id(node_now)] = settled
        self.final[id(settled)] = settled
        self._keep.extend((node_now, settled))
        return settled

    def _rewrite_bodies(self, node: Node) -> dict:
        """``node.kw`` with each loop body rewritten by the same rules (the kw itself when none changes)."""
        if not node.op.body_params:
            return node.kw
        kw = node.kw
        for p in node.op.body_params:
            body = node.kw[p]
            new = self._bodies.get(body)
            if new is None:
                inner = Rewriter([], protect=body.args)
                inner.by_op, inner.wildcard = self.by_op, self.wildcard
                new = body.with_outputs(inner.run(list(body.outputs)))
                new = self._bodies[body] = body if new == body else new
            if new is not body:
                kw = dict(kw) if kw is node.kw else kw
                kw[p] = new
        return kw

    def _unsettled(self, root: Node) -> list[Node]:
        """Nodes under ``root`` not settled yet, inputs first (stops at settled nodes)."""
        order, seen = [], set()
        stack = [(root, 0)]
        while stack:
            node, i = stack.pop()
            if id(node) in self.final:
                continue
            if i < len(node.inputs):
                stack.append((node, i + 1))
                child = node.inputs[i]
                if id(child) not in self.final and id(child) not in seen:
                    stack.append((child, 0))
            elif id(node) not in seen:
                seen.add(id(node))
                order.append(node)
        return order

    def _settle(self, node: Node) -> Node:
        if id(node) in self.protect:
            return node
        for _ in range(MAX_FIRINGS):
            for rule in self.by_op.get(node.op.name, []) + self.wildcard:
                out = rule.apply(node, self.protect)
                if out is None or out is node:
                    continue
                out = fit(out, node)
                self.fired[rule.name] = self.fired.get(rule.name, 0) + 1
                # settle the nodes the rule created, bottom-up
                for n in self._unsettled(out):
                    self._visit(n)
                node = self.final[id(out)]
                break
            else:
                return node
        return node


def rewrite(outputs: Sequence[Node], rules: Sequence[Rule], fast_math: bool = False, protect: Iterable[Node] = ()) -> list[Node]:
    """Apply ``rules`` to the graph of ``outputs`` (one pass, to a fixed point)."""
    return Rewriter(rules, fast_math, protect).run(list(outputs))

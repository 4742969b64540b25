"""A tiny pattern language over operations, and the Rule record.

>>> from symdiff.rewrite.patterns import P, X
>>> pattern = P("log", P("sigmoid", X))      # log(sigmoid(x))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..graph import Node

COMMUTATIVE = {"add", "multiply", "maximum", "minimum", "equal", "not_equal", "logical_and", "logical_or"}


class Var:
    """Matches any node and binds it to a name; the same name must bind the same node."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return self.name


class Const:
    """Matches a node whose every entry is the number ``value`` (constant, fill, broadcast of one)."""

    def __init__(self, value: float):
        self.value = value

    def __repr__(self):
        return repr(self.value)


class P:
    """Matches a node of operation ``op`` whose inputs match ``args``."""

    def __init__(self, op: str, *args, **params):
        self.op, self.args, self.params = op, args, params

    def __repr__(self):
        inner = ", ".join(map(repr, self.args))
        return f"{self.op}({inner})"


X, Y, Z = Var("x"), Var("y"), Var("z")


def constant_value(node: Node):
    """The single number every entry of ``node`` equals, or None."""
    op = node.op.name
    if op == "constant":
        a = node.kw["value"].array
        if a.size == 0:
            return None
        first = a.flat[0]
        return first.item() if np.all(a == first) else None
    if op == "fill":
        return node.kw["value"]
    if op in ("broadcast_to", "reshape"):
        return constant_value(node.inputs[0]) if node.inputs[0].op.name in ("constant", "fill") else None
    return None


def match(pattern, node: Node, bound: dict, protect: frozenset = frozenset()) -> bool:
    """True if ``node`` matches, extending ``bound``. Depth is the pattern's, not the graph's."""
    if isinstance(pattern, Var):
        prev = bound.get(pattern.name)
        if prev is None:
            bound[pattern.name] = node
            return True
        return prev is node
    if isinstance(pattern, Const):
        v = constant_value(node)
        return v is not None and v == pattern.value
    if id(node) in protect or node.op.name != pattern.op or len(node.inputs) != len(pattern.args):
        return False
    for k, want in pattern.params.items():
        if node.kw.get(k) != want:
            return False
    orders = [node.inputs]
    if pattern.op in COMMUTATIVE and len(node.inputs) == 2:
        orders.append(node.inputs[::-1])
    for inputs in orders:
        trial = dict(bound)
        if all(match(p, i, trial, protect) for p, i in zip(pattern.args, inputs)):
            bound.update(trial)
            return True
    return False


@dataclass
class Rule:
    """One rewrite: ``pattern`` -> ``build(bindings, node)``, when ``when(bindings, node)`` holds.

    ``doc`` states the identity and the condition under which it holds.
    ``fast_math`` rules run only when the caller allows identities that are
    false for inf or nan (``x * 0 -> 0``).
    """

    name: str
    pattern: P
    build: Callable[[dict, Node], Node]
    doc: str
    when: Callable[[dict, Node], bool] | None = None
    fast_math: bool = False
    root: str = field(init=False)

    def __post_init__(self):
        self.root = self.pattern.op

    def apply(self, node: Node, protect: frozenset = frozenset()) -> Node | None:
        bound: dict = {}
        if not match(self.pattern, node, bound, protect):
            return None
        if self.when is not None and not self.when(bound, node):
            return None
        return self.build(bound, node)

"""Sparsity detection: which derivatives of a graph can be nonzero, found on the graph itself.

First order, forward: the variable ``x`` gets the identity pattern; each node
then gets the union of its inputs' patterns carried through its maps
(``rules.maps``). Row ``o`` of ``y``'s pattern is the set of variables that
element ``o`` of ``y`` depends on: the Jacobian's pattern.

Second order adds one reverse sweep. It marks the elements of each node the
cost depends on (*live*, pulled back through the same maps), then every term
where two inputs of a node meet nonlinearly (``rules.pairs``: ``x * y``,
``exp(x)``, a contraction of two variable operands) and whose output element
is live contributes the product of its two inputs' variable sets. The union
over all nodes, made symmetric, is the Hessian's pattern. Both sweeps are
sparse matrix products and row selections, without a Python loop over elements.

The pattern is exact up to cancellation (``x - x`` keeps ``x``) and up to the
declared conservative cases: both branches of ``where``, loops and
contractions past ``rules.MAX_TERMS`` terms (dense), and gathers whose indices
are computed from inputs.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..dims import dim_eval, shape_eval
from ..graph import Node
from ..traversal import toposort
from . import patterns as pt
from .rules import ALL, SAME, maps, pairs


class Context:
    """Sizes, params and constant values of a graph's nodes at one binding of its symbolic sizes."""

    def __init__(self, env: Mapping[str, int]):
        self.env = dict(env)
        self._shapes: dict[int, tuple] = {}
        self._values: dict[int, object] = {}
        self.patterns: dict[int, object] = {}   # id(node) -> CSR pattern, while it is needed
        self.carriers: set[int] = set()         # nodes whose value depends on x
        self.depends: set[int] = set()          # nodes that read an input symbol
        self.terms: dict[int, tuple] = {}       # id(einsum node) -> its enumerated terms (rules.py)

    def shape(self, node: Node) -> tuple:
        s = self._shapes.get(id(node))
        if s is None:
            s = self._shapes[id(node)] = shape_eval(node.shape, self.env)
        return s

    def size(self, node: Node) -> int:
        return int(np.prod(self.shape(node)))

    def params(self, node: Node) -> dict:
        kw = dict(node.kw)
        for k in node.op.dim_params:
            kw[k] = _resolve(kw.get(k), self.env)
        return kw

    def active(self, node: Node) -> bool:
        return id(node) in self.carriers

    def carry(self, node: Node, pattern) -> None:
        self.carriers.add(id(node))
        self.patterns[id(node)] = pattern

    def value(self, node: Node):
        """The value of a node that reads no input symbol (None for one that does)."""
        if node.op.is_constant:
            return node.kw["value"].array
        if id(node) in self.depends:
            return None
        v = self._values.get(id(node))
        if v is None:
            from ..backends.reference import Plan

            v = self._values[id(node)] = Plan([], [node]).run([], self.env)[0]
        return v


def _resolve(value, env):
    if isinstance(value, str):
        return dim_eval(value, env)
    if isinstance(value, tuple):
        return tuple(_resolve(v, env) for v in value)
    return value


def first_order(outputs, x: Node, env: Mapping[str, int], second_order: bool = False):
    """Forward sweep: the context (patterns of the nodes carrying ``x``), the order and each node's maps.

    A pattern is dropped after its last reader unless it is an output or, with ``second_order``,
    an input of a node where inputs meet nonlinearly (the Hessian sweep reads those again).
    """
    ctx = Context(env)
    order = toposort(outputs)
    readers: dict[int, int] = {}
    for node in order:
        for i in set(map(id, node.inputs)):
            readers[i] = readers.get(i, 0) + 1
    keep = {id(o) for o in outputs}
    node_maps: dict[int, list] = {}
    for node in order:
        if node.op.is_input or any(id(i) in ctx.depends for i in node.inputs):
            ctx.depends.add(id(node))
        if node is x:
            ctx.carry(x, pt.identity(ctx.size(x)))
            continue
        if any(id(i) in ctx.carriers for i in node.inputs):
            m = maps(node, ctx)
            parts = [_apply(mk, ctx.patterns[id(i)], ctx.size(node))
                     for mk, i in zip(m, node.inputs) if mk is not None and id(i) in ctx.carriers]
            S = pt.union(parts, ctx.size(node), ctx.size(x))
            if S.nnz:
                ctx.carry(node, S)
                node_maps[id(node)] = m
                if second_order and _may_curve(node):
                    keep.add(id(node))
                    keep.update(id(i) for i in node.inputs)
        for i in set(map(id, node.inputs)):
            readers[i] -= 1
            if readers[i] == 0 and i not in keep:
                ctx.patterns.pop(i, None)
    return ctx, order, node_maps


def _may_curve(node) -> bool:
    return node.op.curvature != "none" and node.op.sparsity not in ("gather", "scatter", "none")


def _apply(m, S, out_size):
    if m is SAME:
        return S
    if m is ALL:
        cols = np.unique(S.indices)
        return pt.select_rows(pt.from_pairs(np.zeros(len(cols), np.int64), cols, (1, S.shape[1])),
                              np.zeros(out_size, np.int64))
    return pt.apply_map(m, S)


def _pull_back(m, live, in_size):
    if m is SAME:
        return live
    if m is ALL:
        return np.full(in_size, bool(live.any()))
    return pt.pull_back(m, live, in_size)


def jacobian_pattern(y: Node, x: Node, env: Mapping[str, int]):
    ctx, _, _ = first_order([y], x, env)
    S = ctx.patterns.get(id(y))
    return pt.empty(ctx.size(y), ctx.size(x)) if S is None else S


def hessian_pattern(cost: Node, x: Node, env: Mapping[str, int]):
    ctx, order, node_maps = first_order([cost], x, env, second_order=True)
    n = ctx.size(x)
    if id(cost) not in ctx.carriers:
        return pt.empty(n, n)
    live = {id(cost): np.ones(ctx.size(cost), dtype=bool)}
    union, seen = _Union(), set()
    for node in reversed(order):
        m = node_maps.get(id(node))
        lv = live.get(id(node))
        if m is None or lv is None or not lv.any():
            continue
        for k, i in enumerate(node.inputs):
            if m[k] is not None and id(i) in ctx.carriers:
                back = _pull_back(m[k], lv, ctx.size(i))
                live[id(i)] = back if id(i) not in live else (live[id(i)] | back)
        terms = pairs(node, ctx, m)
        if _all_pairs_elementwise(node, terms):
            # every pair of inputs of an elementwise node: its own pattern times itself, once per
            # pattern and live set (exp(sin(x)) repeats sin's: the same pattern object, the same rows)
            key = (id(ctx.patterns[id(node)]), lv.tobytes())
            if key not in seen:
                seen.add(key)
                S = pt.select_rows(ctx.patterns[id(node)], np.flatnonzero(lv))
                union.add(S.T @ S)
            continue
        for k, l, tk, tl, term_out in terms:
            union.add(_interaction(ctx, node, k, l, tk, tl, term_out, lv))
    H = union.result()
    if H is None:
        return pt.empty(n, n)
    return pt.binary(H + H.T)


def _all_pairs_elementwise(node, terms) -> bool:
    if node.op.sparsity != "elementwise" or node.op.curvature != "all" or not terms:
        return False
    ks = {k for k, _, _, _, _ in terms}
    return len(terms) == len(ks) * (len(ks) + 1) // 2


class _Union:
    """The union of patterns added one by one, merged like a binary counter: each entry is copied
    about log2(k) times, and at most log2(k) partial unions are held at once."""

    def __init__(self):
        self.stack: list = []   # (level, pattern)

    def add(self, p) -> None:
        if p is None or not p.nnz:
            return
        level = 0
        while self.stack and self.stack[-1][0] == level:
            p = pt.binary(self.stack.pop()[1] + p)
            level += 1
        self.stack.append((level, p))

    def result(self):
        parts = [p for _, p in self.stack]
        return pt.binary(sum(parts[1:], parts[0])) if parts else None


def _interaction(ctx, node, k, l, tk, tl, term_out, live):
    """Variables of input k times variables of input l over the live terms: an (n, n) pattern."""
    Sk, Sl = ctx.patterns[id(node.inputs[k])], ctx.patterns[id(node.inputs[l])]
    if tk is ALL or tl is ALL:
        ck, cl = np.unique(Sk.indices), np.unique(Sl.indices)
        rows = np.repeat(ck, len(cl))
        return pt.from_pairs(rows, np.tile(cl, len(ck)), (Sk.shape[1], Sk.shape[1]))
    terms = np.flatnonzero(live if term_out is None else live[term_out])
    A = _rows_of_terms(tk, Sk, terms)
    B = _rows_of_terms(tl, Sl, terms)
    return A.T @ B


def _rows_of_terms(t, S, terms):
    if t is SAME:
        return pt.select_rows(S, terms)
    if isinstance(t, np.ndarray):
        return pt.select_rows(S, t[terms])
    return pt.binary(t[terms] @ S)

"""Scheduling: which nodes get their own array, and which loop nest computes what.

A node is either *materialised* (it has a variable: an input, a constant, an
array or scalar written by a loop nest, the result of a step) or *virtual*
(an expression computed inside the loop nest of whatever reads it, never
stored). Inline and piecewise nodes are virtual unless something forces them
out:

* outputs, reductions, scatter-adds and steps are materialised, and so are
  the inputs a step or a gather needs as whole arrays;
* a virtual node that would be evaluated in several loop nests, at several
  indices, or redundantly inside a broadcast, is materialised when it is
  expensive (a transcendental function); cheap arithmetic is recomputed.

Materialised nodes computed by loops (the *roots*) are grouped into *nests*.
A root joins the latest nest after everything it needs whose iteration
domain matches its own up to a small constant per axis (``MERGE_SLACK``):
the value over ``n - 1`` terms and a gradient over ``n`` entries share one
pass over the data. The emitter guards the smaller roots (``i < n - 1``) and
splits the loop so that the common range runs without tests.

An *index* says where a node is read inside a nest: one loop-IR expression
per axis of the node (:class:`~symdiff.backends.loops.Idx` for loop axes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...dims import dim_sub, is_name
from ...graph import Node
from ...traversal import toposort
from ..loops import Const, Idx, level_of, loop_axes
from ..reference import unbound_input_message
from .lowering import lowering_of

#: a virtual subexpression at least this costly is materialised rather than recomputed
RECOMPUTE_LIMIT = 8
#: piecewise values nested deeper than this (through virtual nodes) are stored: each level is a
#: block of generated code inside the one above
PIECEWISE_DEPTH = 8
#: roots whose domains differ by at most this much per axis share a loop nest
MERGE_SLACK = 16
#: statements (distinct virtual values and roots) one loop nest may hold: a larger nest is cut, and a
#: virtual expression larger than this is stored, so that each compiled part stays small (Numba's
#: compile time grows faster than linearly with a function's size)
NEST_BUDGET = 600
#: the same for a nest over no axis (0-d values): cutting one costs nothing (its pieces pass scalars),
#: while a loop cut into pieces stores the vectors its later pieces read
SCALAR_NEST_BUDGET = 300

ACCUMULATING = ("reduction", "scatter")


def domain_of(shape) -> tuple:
    """The loops that compute an array of ``shape``: its axes other than unit ones."""
    return tuple(d for d in shape if d != 1)


def root_index(shape) -> tuple:
    """Where a node stored by its own nest is read: unit axes at 0, the others loop."""
    out, pos = [], 0
    for d in shape:
        if d == 1:
            out.append(Const(0))
        else:
            out.append(Idx(pos))
            pos += 1
    return tuple(out)


def redundant(index) -> bool:
    """True when the index skips an outer loop (the value is recomputed along it)."""
    axes = set(a for e in index for a in loop_axes(e))
    return axes != set(range(level_of(index)))


def domain_offsets(big, small) -> tuple | None:
    """Per-axis ``big - small`` when every difference is an integer constant, else None."""
    if len(big) != len(small):
        return None
    out = []
    for a, b in zip(big, small):
        if a == b:
            d = 0
        elif isinstance(a, int) and isinstance(b, int):
            d = a - b
        elif isinstance(a, str) and isinstance(b, str) and not (is_name(a) and is_name(b)):
            d = dim_sub(a, b)  # a derived dimension ("n - 1"): polynomial arithmetic
            if not isinstance(d, int):
                return None
        else:
            return None  # two names, or a size against a number: no constant offset
        out.append(d)
    return tuple(out)


def merged_domain(nest_domain, dom):
    """The domain of a nest grown to also cover ``dom``, or None when they are too different."""
    off = domain_offsets(nest_domain, dom)
    if off is None or any(abs(o) > MERGE_SLACK for o in off):
        return None
    return tuple(a if o >= 0 else b for a, b, o in zip(nest_domain, dom, off))


@dataclass
class Nest:
    """One loop nest over ``domain``; ``roots`` are stored or accumulated in it, in order."""

    domain: tuple
    roots: list = field(default_factory=list)
    values: set = field(default_factory=set)   # (id, index) of the virtual values it computes


@dataclass
class StepCall:
    node: Node


@dataclass
class Plan:
    inputs: list
    outputs: list
    order: list
    kinds: dict          # id -> kind (lowering protocol)
    materialized: set    # ids with a variable
    steps: list          # Nest | StepCall


def loop_shape(n: Node, kind: str) -> tuple:
    """The shape a root iterates over: its input's for accumulating kinds, else its own."""
    return n.inputs[0].shape if kind in ACCUMULATING else n.shape


def root_domain(n: Node, kinds) -> tuple:
    return domain_of(loop_shape(n, kinds[id(n)]))


def plan_graph(inputs, outputs) -> Plan:
    """Which nodes get a variable, and the steps (loop nests and step calls) that compute them, in order."""
    order = toposort(outputs)
    known = {id(x) for x in inputs}
    for n in order:
        if n.op.is_input and id(n) not in known:
            raise ValueError(unbound_input_message(n))
    kinds = {id(n): lowering_of(n).kind_of(n) for n in order}
    mat: set[int] = set()
    for n in order:
        k = kinds[id(n)]
        low = lowering_of(n)
        if k in ("array", "step") + ACCUMULATING:
            mat.add(id(n))
        if k == "step":
            mat.update(id(x) for x in low.step_inputs(n, mat))
        elif k in ("inline", "scatter", "reduction"):
            shape = loop_shape(n, k)
            mat.update(id(x) for x, idx in low.inputs_at(n, root_index(shape)) if idx is None)
    for y in outputs:
        mat.add(id(y))
    # a 0-d value read by an array operation is kept in a variable, computed in a nest of its own:
    # it is evaluated once either way (hoisted out of the loop), but inside the array's nest the
    # whole 0-d computation behind it (an unrolled integrator and its gradient) would be part of
    # that nest, and cutting a large nest recomputes what its pieces share
    consumers: dict[int, int] = {}
    for n in order:
        for x in n.inputs:
            consumers[id(x)] = consumers.get(id(x), 0) + 1
            if n.shape != () and x.shape == () and kinds[id(x)] in ("inline", "piecewise"):
                mat.add(id(x))
    # a reduction compared with its own input elsewhere (max's derivative) reads the stored input
    for n in order:
        if kinds[id(n)] == "reduction" and lowering_of(n).exact_input and consumers.get(id(n.inputs[0]), 0) > 1:
            mat.add(id(n.inputs[0]))

    for _ in range(len(order) + 1):
        steps, uses = _assign(order, kinds, mat)
        extra = _to_store(order, kinds, mat, uses)
        if not extra:
            break
        mat |= extra
    steps = _cut_large_nests(order, kinds, mat, steps)
    return Plan(list(inputs), list(outputs), order, kinds, mat, steps)


def _cut_large_nests(order, kinds, mat, steps) -> list:
    """Nests of more than ``NEST_BUDGET`` statements (``SCALAR_NEST_BUDGET`` over no axis) cut into pieces.

    The nest's values and roots are taken in topological order and dealt into
    pieces as they come; a virtual value used by a later piece is stored by
    the piece that computes it (once, never recomputed), and becomes a root
    there, or of a nest of its own just after it when its domain differs too
    much from the nest's. ``mat`` gains those values.
    """
    out = []
    position = {id(n): k for k, n in enumerate(order)}
    for st in steps:
        if not isinstance(st, Nest):
            out.append(st)
            continue
        weight: dict[int, int] = {}
        for nid, _ in st.values:   # a node summing many inputs (add_n) weighs one per input
            weight[nid] = weight.get(nid, 0) + max(1, len(order[position[nid]].inputs) - 1)
        for r in st.roots:
            weight[id(r)] = weight.get(id(r), 0) + 1 + max(1, len(r.inputs) - 1)
        budget = NEST_BUDGET if st.domain else SCALAR_NEST_BUDGET
        if sum(weight.values()) <= budget:
            out.append(st)
            continue
        members = sorted(weight, key=position.__getitem__)
        piece: dict[int, int] = {}
        k, size = 0, 0
        for nid in members:
            if size and size + weight[nid] > budget:
                k, size = k + 1, 0
            piece[nid] = k
            size += weight[nid]
        roots = {id(r) for r in st.roots}
        stored = set()
        for nid in members:
            for x in order[position[nid]].inputs:
                if id(x) in piece and id(x) not in roots and piece[id(x)] < piece[nid]:
                    stored.add(id(x))
        mat |= stored
        pieces = [Nest(st.domain) for _ in range(k + 1)]
        after = [[] for _ in range(k + 1)]
        for nid in members:
            if nid in roots or nid in stored:
                n = order[position[nid]]
                if nid in stored and merged_domain(st.domain, root_domain(n, kinds)) is None:
                    after[piece[nid]].append(Nest(root_domain(n, kinds), [n]))
                else:
                    pieces[piece[nid]].roots.append(n)
        for p, extra in zip(pieces, after):
            if p.roots:
                out.append(p)
            out += extra
    return out


def _to_store(order, kinds, mat, uses) -> set:
    """Virtual nodes worth an array: costly and evaluated at several places, or nested too deep.

    One pass in topological order, so a node whose costly input is stored in
    this pass sees its own cost drop (``exp(x)`` is stored, ``exp(x) - y``
    then is cheap and stays virtual). Costs are capped at RECOMPUTE_LIMIT,
    which keeps the numbers small on graphs that share subexpressions heavily.
    """
    cost: dict[int, int] = {}
    depth: dict[int, int] = {}   # piecewise values nested in this one's expression
    extra: set[int] = set()
    for n in order:
        k = kinds[id(n)]
        c = 0 if k in ("array", "source") else lowering_of(n).cost
        d = 0
        if k in ("inline", "piecewise"):
            virtual = [x for x in n.inputs if id(x) not in mat and id(x) not in extra]
            c += sum(cost[id(x)] for x in virtual)
            d = max((depth[id(x)] for x in virtual), default=0) + (k == "piecewise")
        cost[id(n)] = c = min(c, RECOMPUTE_LIMIT)
        depth[id(n)] = d
        places = uses.get(id(n))
        if places and (d > PIECEWISE_DEPTH or
                       c >= RECOMPUTE_LIMIT and (len(places) > 1 or any(redundant(a) for _, a in places))):
            extra.add(id(n))
            depth[id(n)] = 0
    return extra


def virtual_inputs(n: Node, kind: str, index) -> list:
    """(input, index) pairs read to compute ``n`` at ``index``; index None: the whole array."""
    low = lowering_of(n)
    if kind in ("inline", "scatter", "reduction"):
        return low.inputs_at(n, index)
    if kind == "piecewise":
        return [(p.input, p.index) for p in low.pieces(n, index)]
    return []


def _walk(root: Node, kinds, mat):
    """Materialised dependencies (node, index) and virtual uses (node, index) of one root."""
    deps, uses = [], []
    k = kinds[id(root)]
    stack = list(virtual_inputs(root, k, root_index(loop_shape(root, k))))
    seen = set()
    while stack:
        n, index = stack.pop()
        if index is None:
            deps.append((n, None))
            continue
        key = (id(n), index)
        if key in seen:
            continue
        seen.add(key)
        if id(n) in mat:
            deps.append((n, index))
            continue
        uses.append((n, index))
        stack.extend(virtual_inputs(n, kinds[id(n)], index))
    return deps, uses


def _soft(d: Node, index, dom, kinds) -> bool:
    """``d`` is stored by a nest at the same index the root reads it, over a domain covering the root's."""
    if kinds[id(d)] not in ("inline", "piecewise", "source") or index != root_index(d.shape):
        return False
    off = domain_offsets(domain_of(d.shape), dom)
    return off is not None and all(o >= 0 for o in off)


def _assign(order, kinds, mat):
    steps: list = []
    produced: dict[int, int] = {}
    uses: dict[int, set] = {}
    for n in order:
        if id(n) not in mat:
            continue
        if kinds[id(n)] == "array":
            produced[id(n)] = -1
            continue
        if kinds[id(n)] == "step":
            steps.append(StepCall(n))
            produced[id(n)] = len(steps) - 1
            continue
        dom = root_domain(n, kinds)
        deps, vuses = _walk(n, kinds, mat)
        lowest = 0
        for d, index in deps:
            s = produced.get(id(d), -1)
            # a soft dependency may share the nest that stores it; a hard one must be done before
            lowest = max(lowest, s if _soft(d, index, dom, kinds) else s + 1)
        target = None
        for s in range(len(steps) - 1, lowest - 1, -1):
            st = steps[s]
            if isinstance(st, Nest):
                grown = merged_domain(st.domain, dom)
                if grown is not None:
                    target = s
                    st.domain = grown
                    break
        if target is None:
            steps.append(Nest(dom))
            target = len(steps) - 1
        steps[target].roots.append(n)
        steps[target].values |= {(id(v), index) for v, index in vuses}
        produced[id(n)] = target
        for v, index in vuses:
            uses.setdefault(id(v), set()).add((target, index))
    return steps, uses

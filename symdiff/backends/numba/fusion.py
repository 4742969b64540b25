"""Scheduling: which nodes get their own array, and which loop nest computes what.

A node is either *materialised* (it has a variable: an input, a constant, an
array or scalar written by a loop nest, the result of an opaque step) or
*virtual* (it is an expression computed inside the loop nest of whatever
reads it, and never stored). Elementwise operations and index remaps are
virtual unless something forces them out:

* outputs, reductions and opaque steps (einsum, scatter-adds) are materialised,
  and so are the array operands of opaque steps and of guarded reads;
* a virtual node that would be evaluated in several loop nests, or at several
  index maps, or redundantly inside a broadcast, is materialised when it is
  expensive (a transcendental function); cheap arithmetic is recomputed.

Materialised nodes that are computed by loops (the *roots*) are grouped into
*nests*: all roots with the same iteration domain (their shape without unit
axes) whose inputs are ready share one loop nest, so the value and the
gradient of a function are computed in one pass over the data, sharing every
intermediate.

An *index map* (``amap``) says where a node is read inside a nest: one entry
per axis of the node, ``(index expression, loop axes it uses)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...dims import is_name
from ...graph import Node
from ...traversal import toposort
from .lowering import kind_of, node_cost

ZERO = ("0", frozenset())
#: a virtual subexpression at least this costly is materialised rather than recomputed
RECOMPUTE_LIMIT = 8


# ------------------------------------------------------------------ dims as code

def dimx(d) -> str:
    """Source text of a dimension: ints as such, names as ``d_<name>``."""
    if isinstance(d, int):
        return str(d)
    if is_name(d):
        return f"d_{d}"
    import re

    return "(" + re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: f"d_{m.group(0)}", d) + ")"


# ------------------------------------------------------------------ index maps

def root_amap(shape) -> tuple:
    """The index map of a node stored by its own nest: unit axes read 0, the others loop."""
    out, pos = [], 0
    for d in shape:
        if d == 1:
            out.append(ZERO)
        else:
            out.append((f"i{pos}", frozenset((pos,))))
            pos += 1
    return tuple(out)


def domain_of(shape) -> tuple:
    return tuple(d for d in shape if d != 1)


def level(amap) -> int:
    axes = [a for _, ax in amap for a in ax]
    return max(axes) + 1 if axes else 0


def redundant(amap) -> bool:
    """True when the entries skip an outer loop (the value is recomputed along it)."""
    axes = set(a for _, ax in amap for a in ax)
    return axes != set(range(level(amap)))


def bcast_amap(in_shape, out_ndim, amap) -> tuple:
    off = out_ndim - len(in_shape)
    return tuple(ZERO if d == 1 else amap[k + off] for k, d in enumerate(in_shape))


def _shift(entry, start) -> tuple:
    e, ax = entry
    if start == 0:
        return entry
    s = dimx(start)
    return ((s if e == "0" else f"{e} + {s}"), ax)


def _affine(entry, start_code: str, step: int) -> tuple:
    e, ax = entry
    if step == 1:
        body = e
    elif e == "0":
        body = "0"
    else:
        body = f"{step}*{e}" if step != -1 else f"-{e}"
    if start_code == "0":
        return (body if body != "0" else "0", ax)
    if body == "0":
        return (start_code, ax)
    return (f"{start_code} + {body}" if not body.startswith("-") else f"{start_code} - {body[1:]}", ax)


def resolve_index(k: int, d) -> str:
    """An integer index into an axis of size ``d`` (negative: from the end)."""
    if k >= 0 or isinstance(d, int):
        return str(k % d if isinstance(d, int) and d else k)
    return f"{dimx(d)} - {-k}"


def slice_start(start, step, d) -> str:
    """Canonical slice start: ints were resolved at build time, symbolic axes use unit steps."""
    if start is None:
        return "0" if (step or 1) > 0 else f"({dimx(d)} - 1)"
    if start >= 0 or isinstance(d, int):
        return str(start)
    return f"{dimx(d)} - {-start}"


def remap_input_amap(node: Node, amap) -> tuple:
    """The index map of a remap node's input, given the node's own map."""
    name = node.op.name
    x = node.inputs[0]
    kw = node.kw
    if name == "broadcast_to":
        return bcast_amap(x.shape, node.ndim, amap)
    if name == "transpose":
        out = [None] * x.ndim
        for j, a in enumerate(kw["axes"]):
            out[a] = amap[j]
        return tuple(out)
    if name == "reshape":  # unit axes only
        src = [k for k, d in enumerate(x.shape) if d != 1]
        dst = [k for k, d in enumerate(node.shape) if d != 1]
        out = [ZERO] * x.ndim
        for s, t in zip(src, dst):
            out[s] = amap[t]
        return tuple(out)
    if name == "slice_axis":
        out = list(amap)
        out[kw["axis"]] = _shift(amap[kw["axis"]], kw["start"])
        return tuple(out)
    if name == "getitem":
        out, p, q = [], 0, 0  # p: node axis, q: input axis
        for e in kw["index"]:
            if e[0] == "n":
                p += 1
            elif e[0] == "i":
                out.append((resolve_index(e[1], x.shape[q]), frozenset()))
                q += 1
            else:
                _, start, stop, step = e
                st = slice_start(start, step, x.shape[q])
                out.append(_affine(amap[p], st, step or 1))
                p += 1
                q += 1
        return tuple(out)
    raise AssertionError(name)


def elementwise_input_amaps(node: Node, amap) -> list:
    return [bcast_amap(x.shape, node.ndim, amap) for x in node.inputs]


def read_virtual_inputs(node: Node, amap) -> list:
    """(input, amap) pairs of a read node's inputs that may stay virtual (gather indices)."""
    name = node.op.name
    if name == "take":
        x, idx = node.inputs
        a = node.kw["axis"]
        return [(idx, tuple(amap[a:a + idx.ndim]))]
    if name == "take_along_axis":
        x, idx = node.inputs
        return [(idx, tuple(ZERO if d == 1 else amap[k] for k, d in enumerate(idx.shape)))]
    return []


def read_array_inputs(node: Node) -> list:
    name = node.op.name
    if name in ("take", "take_along_axis"):
        return [node.inputs[0]]
    return list(node.inputs)


def strip_transposes(x: Node, sub: str, materialized) -> tuple[Node, str]:
    """An einsum operand read through virtual transposes: the base node and its letters."""
    while x.op.name == "transpose" and id(x) not in materialized:
        axes = x.kw["axes"]
        letters = [""] * len(axes)
        for j, a in enumerate(axes):
            letters[a] = sub[j]
        sub = "".join(letters)
        x = x.inputs[0]
    return x, sub


# ------------------------------------------------------------------ the plan

@dataclass
class Nest:
    domain: tuple
    roots: list = field(default_factory=list)


@dataclass
class Opaque:
    node: Node


@dataclass
class Plan:
    inputs: list
    outputs: list
    order: list
    kinds: dict          # id -> kind
    materialized: set    # ids with a variable
    steps: list          # Nest | Opaque
    einsum_operands: dict  # id(einsum node) -> [(base node, letters)]


def _is_external(n: Node) -> bool:
    return n.op.is_input or (n.op.is_constant and n.ndim > 0)


def plan_graph(inputs, outputs) -> Plan:
    order = toposort(outputs)
    known = {id(x) for x in inputs}
    for n in order:
        if n.op.is_input and id(n) not in known:
            raise ValueError(f"the outputs depend on the input {n.name!r}, which is not among the function's inputs")
    kinds = {id(n): kind_of(n) for n in order}
    mat: set[int] = set()
    for n in order:
        k = kinds[id(n)]
        if _is_external(n) or k in ("reduction", "opaque"):
            mat.add(id(n))
        if k == "opaque" and n.op.name != "einsum":
            mat.update(id(x) for x in n.inputs)
        elif k == "read":
            mat.update(id(x) for x in read_array_inputs(n))
    for y in outputs:
        mat.add(id(y))
    ein: dict[int, list] = {}
    from ...ops.linalg import parse_spec

    for n in order:
        if n.op.name == "einsum":
            subs, _ = parse_spec(n.kw["spec"])
            ops = [strip_transposes(x, s, mat) for x, s in zip(n.inputs, subs)]
            ein[id(n)] = ops
            mat.update(id(base) for base, _ in ops)

    byid = {id(n): n for n in order}
    for _ in range(len(order) + 1):
        steps, uses = _assign(order, kinds, mat, byid)
        extra = set()
        costs = _subtree_costs(order, kinds, mat)
        for nid, places in uses.items():
            if costs[nid] < RECOMPUTE_LIMIT:
                continue
            if len(places) > 1 or any(redundant(a) for _, a in places):
                extra.add(nid)
        if not extra:
            break
        mat |= extra
    return Plan(list(inputs), list(outputs), order, kinds, mat, steps, ein)


def _subtree_costs(order, kinds, mat) -> dict:
    """Cost of evaluating each node inline (with its virtual inputs), capped at RECOMPUTE_LIMIT.

    Only compared against ``RECOMPUTE_LIMIT``, so the cap loses nothing and keeps
    the numbers small on graphs that share subexpressions heavily. Iterative.
    """
    cost: dict[int, int] = {}
    for n in order:
        k = kinds[id(n)]
        if k == "source":
            c = 0
        else:
            c = node_cost(n)
            if k in ("elementwise", "remap"):
                c += sum(cost[id(x)] for x in n.inputs if id(x) not in mat)
        cost[id(n)] = min(c, RECOMPUTE_LIMIT)
    return cost


def _walk(root: Node, start, kinds, mat):
    """Materialised dependencies (node, amap) and virtual uses (node, amap) of one root."""
    deps, uses = [], []
    stack = list(start)
    seen = set()
    while stack:
        n, amap = stack.pop()
        key = (id(n), amap)
        if key in seen:
            continue
        seen.add(key)
        k = kinds[id(n)]
        if id(n) in mat and n is not root:
            deps.append((n, amap))
            continue
        if k == "source":
            continue
        if n is not root:
            uses.append((n, amap))
        if k == "elementwise":
            stack.extend(zip(n.inputs, elementwise_input_amaps(n, amap)))
        elif k == "remap":
            stack.append((n.inputs[0], remap_input_amap(n, amap)))
        elif k == "read":
            stack.extend(read_virtual_inputs(n, amap))
            deps.extend((x, None) for x in read_array_inputs(n))
        elif k == "reduction":
            x = n.inputs[0]
            stack.append((x, root_amap(x.shape)))
    return deps, uses


def root_domain(n: Node, kinds) -> tuple:
    if kinds[id(n)] == "reduction":
        return domain_of(n.inputs[0].shape)
    return domain_of(n.shape)


def _assign(order, kinds, mat, byid):
    steps: list = []
    produced: dict[int, int] = {}
    uses: dict[int, set] = {}
    for n in order:
        if id(n) not in mat:
            continue
        k = kinds[id(n)]
        if _is_external(n):
            produced[id(n)] = -1
            continue
        if k == "opaque":
            steps.append(Opaque(n))
            produced[id(n)] = len(steps) - 1
            continue
        dom = root_domain(n, kinds)
        deps, vuses = _walk(n, [(n, root_amap(n.shape))], kinds, mat)
        hard = -1
        for d, amap in deps:
            s = produced.get(id(d), -1)
            soft = (amap is not None and kinds[id(d)] not in ("reduction", "opaque") and not _is_external(d)
                    and domain_of(d.shape) == dom and amap == root_amap(d.shape))
            if not soft:
                hard = max(hard, s)
        target = None
        for s in range(len(steps) - 1, hard, -1):
            st = steps[s]
            if isinstance(st, Nest) and st.domain == dom:
                target = s
                break
        if target is None:
            steps.append(Nest(dom))
            target = len(steps) - 1
        steps[target].roots.append(n)
        produced[id(n)] = target
        for v, amap in vuses:
            uses.setdefault(id(v), set()).add((target, amap))
    return steps, uses

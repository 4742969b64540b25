"""Merging loops that run the same iterations: one pass over the data instead of two.

Differentiation makes loops that repeat a loop already in the graph: the
reverse-mode rule of ``scan`` runs the forward sweep again to stack its
carries, and forward mode runs the primal carries next to their tangents.
A scan ``A`` is *contained* in a scan ``B`` when every argument of ``A``'s
body is an argument of ``B``'s body in the same role, bound to the same
input, and ``B`` updates each of ``A``'s carries with the same node: then
``B`` computes ``A``'s carries step by step, and ``A``'s stacked outputs
can be added to ``B``'s. ``merge_loops`` does that until no loop is
contained in another (inside loop bodies too), so the value and the gradient
of a loop take one forward sweep and one reverse sweep.

>>> import symdiff as sd
>>> xs = sd.vector("xs", 5)
>>> c, _ = sd.scan(lambda c, x: (sd.sin(c) + x, None), sd.scalar("c0"), xs)
>>> g = sd.grad(c, xs)
>>> loops = lambda outs: sum(n.op.name == "scan" for n in sd.traversal.toposort(outs))
>>> loops([c, g]), loops(merge_loops([c, g]))
(3, 2)
"""

from __future__ import annotations

from typing import Sequence

from ..graph import Node
from ..ops.control.body import Body, substitute
from ..ops.control.scan import make_scan
from ..ops.control.tuples import tuple_get
from ..traversal import toposort
from .patterns import P, Rule


def _role(kw, j: int) -> int:
    return 0 if j < kw["n_carry"] else 1 if j < kw["n_carry"] + kw["n_xs"] else 2


def _contained(a: Node, b: Node) -> dict | None:
    """``{argument position in A: position in B}`` when scan ``a`` is contained in scan ``b``, else None."""
    ka, kb = a.kw, b.kw
    if (ka["length"], ka["reverse"], ka["checkpoint"]) != (kb["length"], kb["reverse"], kb["checkpoint"]):
        return None
    pos = {id(x): j for j, x in enumerate(kb["body"].args)}
    where = {}
    for j, arg in enumerate(ka["body"].args):
        jb = pos.get(id(arg))
        if jb is None or _role(ka, j) != _role(kb, jb) or a.inputs[j] is not b.inputs[jb]:
            return None
        if j < ka["n_carry"] and kb["body"].outputs[jb] is not ka["body"].outputs[j]:
            return None
        where[j] = jb
    return where


def _merge_into(a: Node, b: Node, where: dict) -> tuple[Node, dict, dict]:
    """``b`` extended with ``a``'s stacked outputs; maps of output positions of ``a`` and ``b``."""
    ka, kb = a.kw, b.kw
    bb = kb["body"]
    outs = list(bb.outputs)
    ys_b = {id(y): k for k, y in enumerate(outs) if k >= kb["n_carry"]}
    map_a = {j: where[j] for j in range(ka["n_carry"])}
    for k, y in enumerate(ka["body"].outputs[ka["n_carry"]:], start=ka["n_carry"]):
        if id(y) not in ys_b:
            ys_b[id(y)] = len(outs)
            outs.append(y)
        map_a[k] = ys_b[id(y)]
    if len(outs) == len(bb.outputs):
        return b, map_a, {}
    new = make_scan(Body(bb.args, outs), list(b.inputs), kb["n_carry"], kb["n_xs"], kb["length"],
                    kb["reverse"], kb["checkpoint"])
    return new, map_a, {k: k for k in range(len(bb.outputs))}


def merge_loops(outputs: Sequence[Node]) -> list[Node]:
    """The graph of ``outputs`` with every scan contained in another merged into it (bodies too)."""
    outputs = list(outputs)
    order = toposort(outputs)
    if not any(n.op.body_params for n in order):
        return outputs   # no loop: one walk, as for most graphs ``simplify`` sees
    outputs = _inside_bodies(outputs, order)
    while True:
        order = toposort(outputs)
        scans = [n for n in order if n.op.name == "scan"]
        found = None
        for a in scans:
            for b in scans:
                if a is not b and (where := _contained(a, b)) is not None:
                    found = (a, b, where)
                    break
            if found:
                break
        if found is None:
            pruned = prune_loops(outputs)   # dropping outputs can make one loop contained in another
            if all(x is y for x, y in zip(pruned, outputs)):
                return outputs
            outputs = pruned
            continue
        a, b, where = found
        new, map_a, map_b = _merge_into(a, b, where)
        mapping = {}
        for n in order:
            if n.op.name == "tuple_get" and n.inputs[0] is a:
                mapping[id(n)] = tuple_get(new, map_a[n.kw["index"]])
            elif n.op.name == "tuple_get" and n.inputs[0] is b and new is not b:
                mapping[id(n)] = tuple_get(new, map_b[n.kw["index"]])
        outputs = substitute(outputs, mapping)


def _inside_bodies(outputs: list[Node], order: list[Node]) -> list[Node]:
    """The graph with the loops inside every loop body merged (each body once); ``order`` its toposort."""
    memo: dict = {}
    done: dict[int, Node] = {}
    changed = False
    for n in order:
        ins = tuple(done[id(x)] for x in n.inputs)
        kw = n.kw
        for p in n.op.body_params:
            body = n.kw[p]
            if body not in memo:
                new = merge_loops(list(body.outputs))
                memo[body] = body if all(x is y for x, y in zip(new, body.outputs)) else body.with_outputs(new)
            if memo[body] is not body:
                kw = dict(kw) if kw is n.kw else kw
                kw[p] = memo[body]
        if kw is not n.kw or any(x is not y for x, y in zip(ins, n.inputs)):
            done[id(n)] = n.op.make(*ins, **kw)
            changed = True
        else:
            done[id(n)] = n
    return [done[id(y)] for y in outputs] if changed else outputs


def prune_loops(outputs: Sequence[Node]) -> list[Node]:
    """Scans without the outputs nobody reads, and without the carries and arguments only those need.

    Reverse mode computes the cotangent of every float input of a loop; the
    ones not asked for (the data a model is fitted to) would otherwise be
    stacked over every step.
    """
    outputs = list(outputs)
    order = toposort(outputs)
    used: dict[int, set] = {}
    for n in order:
        if n.op.name == "tuple_get":
            used.setdefault(id(n.inputs[0]), set()).add(n.kw["index"])
    mapping: dict[int, Node] = {}
    for n in order:
        if n.op.name != "scan":
            continue
        kept = _live(n, used.get(id(n), set()))
        if kept is None:
            continue
        new, out_pos = kept
        for t in order:
            if t.op.name == "tuple_get" and t.inputs[0] is n:
                mapping[id(t)] = tuple_get(new, out_pos[t.kw["index"]])
    return substitute(outputs, mapping) if mapping else outputs


def _live(node: Node, used: set):
    """The scan keeping what ``used`` outputs need, and old -> new output positions; None if all is live."""
    kw = node.kw
    body, nc, nx = kw["body"], kw["n_carry"], kw["n_xs"]
    args, outs = body.args, body.outputs
    live = set(used)
    order = toposort(list(outs))
    while True:   # a carry read by a live output is live
        need = _arguments_needed(order, [outs[k] for k in live], args)
        more = {k for k in range(nc) if k in need and k not in live}
        if not more:
            break
        live |= more
    keep_args = sorted(need | {k for k in live if k < nc})
    keep_outs = [k for k in range(nc) if k in live] + [k for k in range(nc, len(outs)) if k in live]
    if len(keep_args) == len(args) and len(keep_outs) == len(outs):
        return None
    carries = [k for k in keep_args if k < nc]
    if carries != [k for k in keep_outs if k < nc]:
        return None   # a carry read but not updated cannot happen; keep the loop as it is
    new_body = Body([args[j] for j in keep_args], [outs[k] for k in keep_outs])
    new = make_scan(new_body, [node.inputs[j] for j in keep_args], len(carries),
                    sum(1 for j in keep_args if nc <= j < nc + nx), kw["length"], kw["reverse"], kw["checkpoint"])
    return new, {k: p for p, k in enumerate(keep_outs)}


def _arguments_needed(order, roots, args) -> set:
    """Positions of the ``args`` that ``roots`` depend on."""
    pos = {id(a): j for j, a in enumerate(args)}
    reach = {id(r) for r in roots}
    need = set()
    for n in reversed(order):
        if id(n) in reach:
            if id(n) in pos:
                need.add(pos[id(n)])
            reach.update(id(x) for x in n.inputs)
    return need


# -- a rule: xs that are the same at every step become captured values ----------------------------

def _row(x: Node):
    """The one slice of ``x`` along its leading axis when every slice is the same (a broadcast, a fill)."""
    from ..ops import creation, shape as shp

    if x.op.name == "fill":
        return creation.full(x.shape[1:], x.kw["value"], x.dtype)
    if x.op.name == "broadcast_to":
        v = x.inputs[0]
        if v.ndim < x.ndim:
            return v
        if v.shape[0] == 1:
            return shp.reshape(v, v.shape[1:])
    return None


class _ScanPattern(P):
    def __init__(self):
        super().__init__("scan")


class InvariantXsRule(Rule):
    """``scan`` over xs that repeat one slice -> the slice as a captured value (no stacked array)."""

    def apply(self, node, protect=frozenset()):
        if id(node) in protect:
            return None
        from ..ops.shape import broadcast_to

        kw = node.kw
        body, nc, nx = kw["body"], kw["n_carry"], kw["n_xs"]
        rows = {j: r for j in range(nx) if (r := _row(node.inputs[nc + j])) is not None}
        if not rows:
            return None
        # the slice's argument keeps its node and only changes role (an x becomes a captured value),
        # so loops built alike (a reverse loop and its tangent loop) stay alike and still merge
        args = body.args
        keep = [j for j in range(nx) if j not in rows]
        body2 = Body(list(args[:nc]) + [args[nc + j] for j in keep] + list(args[nc + nx:])
                     + [args[nc + j] for j in rows], body.outputs)
        consts = [r if r.shape == args[nc + j].shape else broadcast_to(r, args[nc + j].shape) for j, r in rows.items()]
        inputs = (list(node.inputs[:nc]) + [node.inputs[nc + j] for j in keep] + list(node.inputs[nc + nx:])
                  + consts)
        return make_scan(body2, inputs, nc, len(keep), kw["length"], kw["reverse"], kw["checkpoint"])


LOOP_RULES = [InvariantXsRule(
    "scan_invariant_xs", _ScanPattern(), None,
    "scan(..., xs = broadcast of one slice s) -> scan(..., s captured): the body reads s at every step. "
    "Exact (the reverse mode of a sum makes such xs: its cotangent is ones).")]

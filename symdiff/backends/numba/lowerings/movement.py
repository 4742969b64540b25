"""Data movement: index remaps and piecewise reads.

* remaps (transpose, basic getitem, slice_axis, broadcast_to, reshapes that
  only add or drop unit axes) read their input at another index;
* piecewise reads (pad_axis, scatter_index, concatenate) read one of their
  inputs at a shifted index where a guard holds, else zero. Their inputs stay
  virtual: the adjoint of ``x[1:]`` is the cotangent expression evaluated at
  ``i - 1``, inside the loop that needs it.
"""

from __future__ import annotations

from ...loops import Assign, Call, Const, Guard, Select, Var, binop, cast, cmp, dim_expr, shape_exprs
from ....ops.indexing import SYMBOLIC_SLICE_RULE
from ....ops.unify import mismatch_message
from ..lowering import Check, Inline, Piece, Piecewise, Step, register
from .elementwise import bcast_index

ZERO = Const(0)


# ------------------------------------------------------------------ remaps

class Remap(Inline):
    """The same data at another index: one input, read at ``input_index``."""

    cost = 0

    def input_index(self, node, index) -> tuple:
        raise NotImplementedError

    def permutation(self, node):
        """The axes permutation when the remap is a pure transpose (einsum reads through it), else None."""
        return None

    def inputs_at(self, node, index):
        return [(node.inputs[0], self.input_index(node, index))]

    def expr(self, em, node, index, args):
        return args[0]


class _Transpose(Remap):
    def permutation(self, node):
        return node.kw["axes"]

    def input_index(self, node, index):
        out = [None] * node.ndim
        for j, a in enumerate(node.kw["axes"]):
            out[a] = index[j]
        return tuple(out)


class _BroadcastTo(Remap):
    def input_index(self, node, index):
        return bcast_index(node.inputs[0].shape, node.ndim, index)


class _MatchSize(Remap):
    """The same data (the first entry repeated when the symbolic length is 1, in broadcast mode);
    the caller checks the symbolic length (the fixed one, or 1) before running."""

    def input_index(self, node, index):
        kw = node.kw
        if kw["mode"] != "broadcast":
            return tuple(index)   # 'first': at length 1 the only output entry reads entry 0
        a = kw["axis"]
        one = cmp("==", dim_expr(kw["symbolic"]), Const(1))
        return tuple(Select(one, ZERO, i) if k == a else i for k, i in enumerate(index))

    def call_checks(self, node):
        kw = node.kw
        sym = dim_expr(kw["symbolic"])
        ok = binop("|", cmp("==", sym, Const(kw["fixed"])), cmp("==", sym, Const(1)))
        return [Check(ok, mismatch_message(kw["where"], kw["symbolic"], kw["fixed"]), sym, "", "ValueError")]


class _SliceAxis(Remap):
    def input_index(self, node, index):
        a = node.kw["axis"]
        return index[:a] + (binop("+", index[a], dim_expr(node.kw["start"])),) + index[a + 1:]


def axis_position(k: int, d):
    """An integer index into an axis of size ``d`` (negative counts from the end)."""
    if k >= 0:
        return Const(k)
    if isinstance(d, int):
        return Const(k % d if d else k)
    return binop("-", dim_expr(d), -k)


def slice_start(start, step, d):
    """Where a canonical slice starts (symbolic axes have unit steps or full reversals)."""
    if start is None:
        return ZERO if (step or 1) > 0 else binop("-", dim_expr(d), 1)
    return axis_position(start, d)


class _GetItem(Remap):
    def input_index(self, node, index):
        x = node.inputs[0]
        out, p, q = [], 0, 0  # p: node axis, q: input axis
        for e in node.kw["index"]:
            if e[0] == "n":
                p += 1
            elif e[0] == "i":
                out.append(axis_position(e[1], x.shape[q]))
                q += 1
            else:
                _, start, _, step = e
                step = step or 1
                out.append(binop("+", slice_start(start, step, x.shape[q]), binop("*", index[p], step)))
                p += 1
                q += 1
        return tuple(out)

    def call_checks(self, node):
        return index_checks(node.kw["index"], node.inputs[0].shape)


class _Reshape(Remap, Step):
    """A remap when only unit axes change; otherwise a step that takes a view."""

    def kind_of(self, node):
        src = [d for d in node.inputs[0].shape if d != 1]
        dst = [d for d in node.shape if d != 1]
        return "inline" if src == dst else "step"

    def input_index(self, node, index):
        x = node.inputs[0]
        src = [k for k, d in enumerate(x.shape) if d != 1]
        dst = [k for k, d in enumerate(node.shape) if d != 1]
        out = [ZERO] * x.ndim
        for s, t in zip(src, dst):
            out[s] = index[t]
        return tuple(out)

    # as a step
    def emit(self, em, node):
        view = em.fresh("v")
        em.out(_assign_view(view, em.var_of(node.inputs[0]), node.shape))
        em.bind(node, view)


def _assign_view(view, src, shape):
    return Assign(Var(view), Call("reshape", (src,) + shape_exprs(shape)))


register("transpose", _Transpose())
register("broadcast_to", _BroadcastTo())
register("slice_axis", _SliceAxis())
register("match_size", _MatchSize())
register("getitem", _GetItem())
register("reshape", _Reshape())


# ------------------------------------------------------------------ piecewise reads

def _along(index, axis, entry):
    return index[:axis] + (entry,) + index[axis + 1:]


class _PadAxis(Piecewise):
    def pieces(self, node, index):
        x = node.inputs[0]
        a = node.kw["axis"]
        before = dim_expr(node.kw["before"])
        e = index[a]
        guard = Guard(e, before, binop("+", before, dim_expr(x.shape[a])))
        return [Piece(x, _along(index, a, binop("-", e, before)), (guard,))]


class _Concatenate(Piecewise):
    def pieces(self, node, index):
        a = node.kw["axis"]
        e = index[a]
        out, offset = [], ZERO
        for x in node.inputs:
            end = binop("+", offset, dim_expr(x.shape[a]))
            out.append(Piece(x, _along(index, a, binop("-", e, offset)), (Guard(e, offset, end),),
                             lambda v, x=x: cast(v, x.dtype, node.dtype)))
            offset = end
        return out


class _ScatterIndex(Piecewise):
    def pieces(self, node, index):
        x = node.inputs[0]
        shape = node.kw["shape"]
        conds, entries = [], []
        p = 0
        for ent in node.kw["index"]:
            if ent[0] == "n":  # x has a unit axis the output lacks
                entries.append(ZERO)
                continue
            e = index[p]
            if ent[0] == "i":
                k = axis_position(ent[1], shape[p])
                conds.append(Guard(e, k, binop("+", k, 1)))
            else:
                _, start, _, step = ent
                step = step or 1
                st = slice_start(start, step, shape[p])
                length = dim_expr(x.shape[len(entries)])
                rel = binop("-", e, st)
                if step == 1:
                    conds.append(Guard(e, st, binop("+", st, length)))
                    entries.append(rel)
                elif step == -1:
                    conds.append(Guard(e, binop("+", binop("-", st, length), 1), binop("+", st, 1)))
                    entries.append(binop("-", st, e))
                else:
                    span = binop("*", binop("-", length, 1), step)
                    lo, hi = (st, binop("+", binop("+", st, span), 1)) if step > 0 else \
                        (binop("+", st, span), binop("+", st, 1))
                    conds.append(Guard(e, lo, hi))
                    conds.append(cmp("==", binop("%", rel, step), ZERO))
                    entries.append(binop("//", rel, step))
            p += 1
        return [Piece(x, tuple(entries), tuple(conds))]

    def call_checks(self, node):
        return index_checks(node.kw["index"], node.kw["shape"])


register("pad_axis", _PadAxis())
register("concatenate", _Concatenate())
register("scatter_index", _ScatterIndex())


def index_checks(index, sizes) -> list[Check]:
    """Integer indices and unit-step slice bounds into symbolic axes, checked once per call.

    The compiled loops read without bounds checks, so the caller raises NumPy's
    IndexError first. A slice of a symbolic axis has the length ``stop - start``
    in the graph; NumPy clips instead, so bounds outside the axis raise too.
    """
    out = []
    q = 0
    for e in index:
        if e[0] == "n":
            continue
        d = sizes[q]
        if isinstance(d, str):
            D = dim_expr(d)
            if e[0] == "i":
                k = e[1]
                out.append(Check(Guard(Const(k), binop("-", 0, D), D),
                                 f"index {k} is out of bounds for axis {q} with size ", D))
            elif e[3] in (None, 1):
                _, start, stop, _ = e
                lo = ZERO if start is None else axis_position(start, d)
                hi = D if stop is None else axis_position(stop, d)
                text = ("" if start is None else str(start)) + ":" + ("" if stop is None else str(stop))
                cond = Call("all_le", (ZERO, lo, hi, D))
                out.append(Check(cond, f"the slice {text} is out of bounds for axis {q} with size ", D,
                                 SYMBOLIC_SLICE_RULE))
        q += 1
    return out

"""Gathers (take, take_along_axis) and their transposes, the scatter-adds.

Gathers read a materialised array at indices computed in the loop; scatter-adds
(take_add, put_along_axis_add) add their input into a zeroed output inside the
input's own loop nest.
"""

from __future__ import annotations

from ...loops import Call, Const, Load, dim_expr
from ..lowering import Inline, Scatter, register

ZERO = Const(0)


# ------------------------------------------------------------------ gathers

def _wrap(k, d):
    return Call("wrap_index", (k, dim_expr(d)))


class _Take(Inline):
    def inputs_at(self, node, index):
        x, idx = node.inputs
        a = node.kw["axis"]
        return [(x, None), (idx, index[a:a + idx.ndim])]

    def expr(self, em, node, index, args):
        x, idx = node.inputs
        a = node.kw["axis"]
        return Load(args[0].name, index[:a] + (_wrap(args[1], x.shape[a]),) + index[a + idx.ndim:])


class _TakeAlongAxis(Inline):
    def inputs_at(self, node, index):
        x, idx = node.inputs
        return [(x, None), (idx, tuple(ZERO if d == 1 else index[k] for k, d in enumerate(idx.shape)))]

    def expr(self, em, node, index, args):
        x = node.inputs[0]
        a = node.kw["axis"]
        entries = [_wrap(args[1], d) if j == a else (ZERO if d == 1 else index[j]) for j, d in enumerate(x.shape)]
        return Load(args[0].name, tuple(entries))


register("take", _Take())
register("take_along_axis", _TakeAlongAxis())


# ------------------------------------------------------------------ scatter-adds (transposes of gathers)

class _TakeAdd(Scatter):
    def inputs_at(self, node, index):
        x, idx = node.inputs
        a = node.kw["axis"]
        return [(x, index), (idx, index[a:a + idx.ndim])]

    def target(self, node, index, args):
        a, shape = node.kw["axis"], node.kw["shape"]
        q = node.inputs[1].ndim
        return index[:a] + (_wrap(args[1], shape[a]),) + index[a + q:]


class _PutAlongAxisAdd(Scatter):
    def inputs_at(self, node, index):
        x, idx = node.inputs
        off = x.ndim - idx.ndim
        return [(x, index), (idx, tuple(ZERO if d == 1 else index[k + off] for k, d in enumerate(idx.shape)))]

    def target(self, node, index, args):
        x = node.inputs[0]
        a, shape = node.kw["axis"], node.kw["shape"]
        out = []
        for j in range(x.ndim):
            if j == a:
                out.append(_wrap(args[1], shape[a]))
            elif shape[j] == 1 and x.shape[j] != 1:
                out.append(ZERO)
            else:
                out.append(index[j])
        return tuple(out)


register("take_add", _TakeAdd())
register("put_along_axis_add", _PutAlongAxisAdd())

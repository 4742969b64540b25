"""Sequential work along one axis: cumsum, cumprod, linear_recurrence, argsort, argmax, argmin.

Each is a step calling one helper of ``runtime.py`` on flat views of its materialised
inputs and of its output buffer, with ``(p, n, q)``: ``p`` the product of the axes before
the one worked along, ``n`` that axis, ``q`` the product of the axes after. The helpers run
the loop along ``n`` with ``q`` innermost (contiguous), so a running sum along axis 0 of a
matrix is one pass over rows. (Flat views: a part calling a helper on 3-d views compiled
about 3x slower and ran about 2x slower, measured.)
"""

from __future__ import annotations

from ....dims import dims_product
from ... import loops as ir
from ..lowering import Step, register


def _dims3(shape, axis: int) -> tuple:
    """``(p, n, q)`` as expressions for an array of ``shape`` worked along ``axis``."""
    return tuple(ir.dim_expr(dims_product(part)) for part in (shape[:axis], (shape[axis],), shape[axis + 1:]))


def _flat(var: ir.Expr, shape) -> ir.Expr:
    """A C-contiguous array as a 1-d view (the helpers index it flat)."""
    return var if len(shape) == 1 else ir.Call("reshape", (var, ir.dim_expr(dims_product(shape))))


class _AlongAxis(Step):
    """``helper(inputs flat..., out flat, p, n, q, extra args...)``."""

    helper = ""

    def extra(self, node) -> tuple:
        return ()

    def emit(self, em, node):
        out = em.buffer(node.shape, node.dtype)
        em.bind(node, out)
        args = tuple(_flat(em.var_of(x), x.shape) for x in node.inputs) + (_flat(ir.Var(out), node.shape),)
        args += _dims3(node.shape, node.kw["axis"]) + self.extra(node)
        em.out(ir.Eval(ir.Call(self.helper, args), note=em.label(node)))


class _Reversible(_AlongAxis):
    def extra(self, node):
        return (ir.const(node.kw["reverse"], "bool"),)


class _Cumsum(_Reversible):
    helper = "cumsum"


class _Cumprod(_AlongAxis):
    helper = "cumprod"


class _LinearRecurrence(_Reversible):
    helper = "linear_recurrence"


class _Argsort(_AlongAxis):
    helper = "argsort"


class _ArgExtreme(Step):
    """The index of the extreme of each line into a ``p * q`` buffer (one entry and a scalar for a 0-d result)."""

    def __init__(self, largest: bool):
        self.largest = largest

    def emit(self, em, node):
        x = node.inputs[0]
        buf = em.buffer(node.shape if node.ndim else (1,), node.dtype)
        call = ir.Call("argmax", (_flat(em.var_of(x), x.shape), _flat(ir.Var(buf), node.shape or (1,)))
                       + _dims3(x.shape, node.kw["axis"]) + (ir.const(self.largest, "bool"),))
        em.out(ir.Eval(call, note=em.label(node)))
        if node.ndim:
            em.bind(node, buf)
            return
        r = em.fresh("v")
        em.out(ir.Assign(ir.Var(r), ir.Load(buf, (ir.Const(0),)), note=em.label(node)))
        em.bind(node, r)


register("cumsum", _Cumsum())
register("cumprod", _Cumprod())
register("linear_recurrence", _LinearRecurrence())
register("argsort", _Argsort())
register("argmax", _ArgExtreme(True))
register("argmin", _ArgExtreme(False))

"""Elementwise operations: a scalar expression of the inputs, read with NumPy broadcasting.

An entry is one decorated template ``(em, node, args) -> Expr``; ``args`` are
the inputs' values at the current index, already converted to the
operation's computing dtype (the node's dtype unless ``compute`` says
otherwise). The emitter fuses whole elementwise chains into one loop.
"""

from __future__ import annotations

import numpy as np

from .... import dtypes as dt
from ... import loops as ir
from ..lowering import Inline, register


def bcast_index(in_shape, out_ndim: int, index: tuple) -> tuple:
    """Where an input of ``in_shape`` is read when its broadcast result is read at ``index``."""
    off = out_ndim - len(in_shape)
    return tuple(ir.Const(0) if d == 1 else index[k + off] for k, d in enumerate(in_shape))


class Elementwise(Inline):
    def __init__(self, template, cost: int = 1, compute=None):
        self.template = template
        self.cost = cost
        self.compute = compute

    def compute_dtype(self, node, i: int) -> np.dtype:
        return np.dtype(self.compute(node, i)) if self.compute else node.dtype

    def inputs_at(self, node, index):
        return [(x, bcast_index(x.shape, node.ndim, index)) for x in node.inputs]

    def expr(self, em, node, index, args):
        args = [ir.cast(a, x.dtype, self.compute_dtype(node, i)) for i, (x, a) in enumerate(zip(node.inputs, args))]
        res = self.template(em, node, args)
        if node.dtype == dt.FLOAT32:  # keep Numba's typing exact (no silent float64)
            res = ir.Call("typed", (res,), "float32")
        return res


def elementwise(name: str, cost: int = 1, compute=None):
    """Register the decorated template as the lowering of elementwise operation ``name``."""
    def deco(template):
        register(name, Elementwise(template, cost, compute))
        return template

    return deco


def _math(name: str, cost: int):
    elementwise(name, cost)(lambda em, node, a: ir.Call(name, (a[0],), node.dtype.name))


for _name, _cost in [("exp", 8), ("log", 8), ("log1p", 10), ("expm1", 10), ("sqrt", 4),
                     ("sin", 10), ("cos", 10), ("tan", 12), ("arcsin", 12), ("arccos", 12),
                     ("arctan", 12), ("sinh", 12), ("cosh", 12), ("tanh", 12)]:
    _math(_name, _cost)


def _is_bool(node) -> bool:
    return node.dtype == dt.BOOL


@elementwise("add")
def _add(em, node, a):
    return ir.Bin("|" if _is_bool(node) else "+", a[0], a[1])


#: terms per statement of an ``add_n`` (a gradient may sum thousands of uses)
ADD_N_CHUNK = 32


@elementwise("add_n")
def _add_n(em, node, a):
    op = "|" if _is_bool(node) else "+"

    def total(terms):
        out = terms[0]
        for t in terms[1:]:
            out = ir.Bin(op, out, t)
        return out

    acc = total(a[:ADD_N_CHUNK])
    for k in range(ADD_N_CHUNK, len(a), ADD_N_CHUNK):  # partial sums, each its own statement
        acc = total([em.let(acc, "s")] + a[k:k + ADD_N_CHUNK])
    return acc


@elementwise("subtract")
def _subtract(em, node, a):
    return ir.Bin("-", a[0], a[1])


@elementwise("negative")
def _negative(em, node, a):
    return ir.Un("-", a[0])


@elementwise("multiply")
def _multiply(em, node, a):
    return ir.Bin("&" if _is_bool(node) else "*", a[0], a[1])


@elementwise("divide", cost=2)
def _divide(em, node, a):
    return ir.Bin("/", a[0], a[1])


@elementwise("reciprocal", cost=2)
def _reciprocal(em, node, a):
    return ir.Bin("/", ir.const(1, node.dtype), a[0])


def _const_scalar(node):
    """The value of a constant whose entries are all equal, else None."""
    if node.op.is_constant:
        arr = node.kw["value"].array
        if arr.size and np.all(arr == arr.flat[0]):
            return arr.flat[0].item()
    return None


@elementwise("power", cost=10)
def _power(em, node, a):
    if node.dtype == dt.BOOL:
        return ir.Bin("|", a[0], ir.Un("not", a[1]))
    if node.dtype == dt.INT64:
        return ir.Call("ipow", (a[0], a[1]), "int64")
    k = _const_scalar(node.inputs[1])
    if k == 2:
        return ir.Bin("*", a[0], a[0])
    if k == 1:
        return a[0]
    return ir.Call("power", (a[0], a[1]), node.dtype.name)


@elementwise("square")
def _square(em, node, a):
    return a[0] if _is_bool(node) else ir.Bin("*", a[0], a[0])


@elementwise("abs")
def _abs(em, node, a):
    return a[0] if _is_bool(node) else ir.Call("abs", (a[0],), node.dtype.name)


@elementwise("sign")
def _sign(em, node, a):
    return ir.Call("sign", (a[0],), node.dtype.name)


def choose(a, b, bigger: bool, dtype) -> ir.Expr:
    """``maximum`` / ``minimum`` of two values with NumPy's rules: NaN from either side wins."""
    d = np.dtype(dtype)
    if d == dt.BOOL:
        return ir.Bin("|" if bigger else "&", a, b)
    if d == dt.INT64:
        return ir.Call("max" if bigger else "min", (a, b), "int64")
    better = ir.cmp(">" if bigger else "<", a, b)
    return ir.Select(ir.Bin("or", better, ir.cmp("!=", a, a)), a, b)


@elementwise("maximum")
def _maximum(em, node, a):
    return choose(a[0], a[1], True, node.dtype)


@elementwise("minimum")
def _minimum(em, node, a):
    return choose(a[0], a[1], False, node.dtype)


@elementwise("where", compute=lambda node, i: dt.BOOL if i == 0 else node.dtype)
def _where(em, node, a):
    return ir.Select(a[0], a[1], a[2])


@elementwise("cast", compute=lambda node, i: node.inputs[i].dtype)
def _cast(em, node, a):
    return ir.cast(a[0], node.inputs[0].dtype, node.dtype)


def _promoted(node, i):
    return dt.promote(*(x.dtype for x in node.inputs))


for _name, _sym in [("less", "<"), ("less_equal", "<="), ("greater", ">"),
                    ("greater_equal", ">="), ("equal", "=="), ("not_equal", "!=")]:
    elementwise(_name, compute=_promoted)(lambda em, node, a, s=_sym: ir.cmp(s, a[0], a[1]))


def _boolean(node, i):
    return dt.BOOL


elementwise("logical_and", compute=_boolean)(lambda em, node, a: ir.Bin("&", a[0], a[1]))
elementwise("logical_or", compute=_boolean)(lambda em, node, a: ir.Bin("|", a[0], a[1]))
elementwise("logical_not", compute=_boolean)(lambda em, node, a: ir.Un("not", a[0]))


@elementwise("sigmoid", cost=12)
def _sigmoid(em, node, a):
    one, zero = ir.const(1, node.dtype), ir.const(0, node.dtype)
    e = em.let(ir.Call("exp", (ir.Un("-", ir.Call("abs", (a[0],), node.dtype.name)),), node.dtype.name))
    return ir.Select(ir.cmp(">=", a[0], zero), ir.Bin("/", one, ir.Bin("+", one, e)),
                     ir.Bin("/", e, ir.Bin("+", one, e)))


@elementwise("softplus", cost=20)
def _softplus(em, node, a):
    zero = ir.const(0, node.dtype)
    d = node.dtype.name
    x = a[0]
    return ir.Bin("+", ir.Select(ir.cmp(">", x, zero), x, zero),
                  ir.Call("log1p", (ir.Call("exp", (ir.Un("-", ir.Call("abs", (x,), d)),), d),), d))


@elementwise("relu")
def _relu(em, node, a):
    zero = ir.const(0, node.dtype)
    if node.dtype.kind != "f":
        return ir.Select(ir.cmp(">", a[0], zero), a[0], zero)
    # NaN stays NaN, as in maximum(x, 0)
    return ir.Select(ir.Bin("or", ir.cmp(">", a[0], zero), ir.cmp("!=", a[0], a[0])), a[0], zero)

"""Lowerings of the special functions (``ops/special.py``): scalar expressions, one per operation.

``erf``/``erfc`` call Python's math module, ``gammaln`` and ``polygamma`` symdiff's runtime
helpers (Numba has no digamma), the rest NumPy's scalar functions. Helpers compute in float64;
float32 results are cast back by the elementwise entry.
"""

from __future__ import annotations

import numpy as np

from ... import loops as ir
from .elementwise import elementwise


def _f64(a, node):
    return ir.cast(a, node.dtype, np.dtype("float64"))


def _unary(name: str, fn: str, cost: int):
    elementwise(name, cost)(lambda em, node, a: ir.Call(fn, (_f64(a[0], node),), "float64"))


for _name, _fn, _cost in [("erf", "erf", 20), ("erfc", "erfc", 20), ("gammaln", "gammaln", 30),
                          ("log2", "log2", 10), ("log10", "log10", 10), ("exp2", "exp2", 10),
                          ("cbrt", "cbrt", 10), ("floor", "floor", 2), ("ceil", "ceil", 2),
                          ("trunc", "trunc", 2), ("rint", "rint", 2)]:
    _unary(_name, _fn, _cost)


@elementwise("polygamma", cost=60)
def _polygamma(em, node, a):
    return ir.Call("polygamma", (ir.const(node.kw["order"], "int64"), _f64(a[0], node)), "float64")


def _binary(name: str, cost: int):
    elementwise(name, cost)(lambda em, node, a: ir.Call(name, (a[0], a[1]), node.dtype.name))


for _name, _cost in [("mod", 4), ("arctan2", 15), ("hypot", 8), ("logaddexp", 25), ("logaddexp2", 25)]:
    _binary(_name, _cost)


@elementwise("xlogy", cost=10)
def _xlogy(em, node, a):
    x, y = a
    zero = ir.const(0, node.dtype)
    # 0 where x is 0, unless y is NaN (scipy.special.xlogy)
    return ir.Select(ir.Bin("and", ir.cmp("==", x, zero), ir.cmp("==", y, y)), zero,
                     ir.Bin("*", x, ir.Call("log", (y,), node.dtype.name)))

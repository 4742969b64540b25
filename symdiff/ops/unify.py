"""A symbolic size meeting a fixed size in broadcasting: unified, and checked when the function is called.

``x`` of shape ``("n",)`` minus a constant of shape ``(2,)`` cannot be refused at
build time without refusing correct programs (NumPy code written for one
problem size, run with a symbolic one), and cannot be broadcast either way
without knowing ``n``. So the broadcasting operation sees ``x`` through a
``match_size`` node of shape ``(2,)``: the same data, with the promise
``n == 2``, which the interpreter checks on the value and the compiled
function checks before running (a ValueError naming the operation and the
size). Derivatives pass through the same node the other way.

>>> import numpy as np, symdiff as sd
>>> x = sd.vector("x", "n")
>>> y = x - np.array([1.0, 2.0])
>>> y.shape
(2,)
>>> sd.evaluate(y, {x: np.array([3.0, 3.0])}).tolist()
[2.0, 1.0]
"""

from __future__ import annotations

import numpy as np

from ..dims import Dim, shape_str
from ..errors import shape_error
from ..graph import Node, Op


class MatchSize(Op):
    """``x`` with axis ``axis`` declared to have length ``size`` (``symbolic == fixed``, checked at call time).

    VJP and JVP: the same declaration the other way round (back to the input's length).
    """

    name = "match_size"
    dim_params = ("size",)

    def infer(self, x, *, axis, size, symbolic, fixed, where):
        if x.shape[axis] not in (symbolic, fixed):
            raise shape_error("match_size", f"axis {axis} of {shape_str(x.shape)} is neither {symbolic!r} nor {fixed}")
        return x.shape[:axis] + (size,) + x.shape[axis + 1:], x.dtype

    def impl(self, x, *, axis, size, symbolic, fixed, where):
        if x.shape[axis] != size:
            raise ValueError(mismatch_message(where, symbolic, fixed) + str(x.shape[axis] if size == fixed else size))
        return x

    def vjp(self, ct, out, x, *, axis, size, symbolic, fixed, where):
        return [match_size(ct, axis, x.shape[axis], symbolic, fixed, where)]

    def jvp(self, ts, out, x, *, axis, size, symbolic, fixed, where, nb=0):
        t = ts[0]
        if t is None:
            return None
        k = axis + t.ndim - x.ndim
        return match_size(t, k, size, symbolic, fixed, where)


def mismatch_message(where: str, symbolic: str, fixed: int) -> str:
    """The start of the error; the caller appends the size the symbol has at this call."""
    return (f"{where}: an axis of symbolic size {symbolic!r} meets the fixed size {fixed} in broadcasting, "
            f"so {symbolic} must be {fixed}; at this call {symbolic} = ")


def match_size(x: Node, axis: int, size: Dim, symbolic: str, fixed: int, where: str) -> Node:
    from ..graph import OPS

    if x.shape[axis] == size:
        return x
    return OPS["match_size"].make(x, axis=axis, size=size, symbolic=symbolic, fixed=fixed, where=where)


def unify_fixed_sizes(where: str, inputs: tuple) -> tuple:
    """``inputs`` with each symbolic axis that meets one fixed size > 1 (right-aligned) seen at that size.

    Axes where two different fixed sizes meet, or only symbolic sizes, are left
    for broadcasting to accept or refuse as before.
    """
    ndim = max(x.ndim for x in inputs)
    out = list(inputs)
    for i in range(ndim):
        dims = [(k, x.ndim - ndim + i) for k, x in enumerate(inputs) if x.ndim - ndim + i >= 0]
        fixed = {inputs[k].shape[a] for k, a in dims if isinstance(inputs[k].shape[a], (int, np.integer))} - {1}
        if len(fixed) != 1:
            continue
        (f,) = fixed
        for k, a in dims:
            d = out[k].shape[a]
            if isinstance(d, str):
                out[k] = match_size(out[k], a, int(f), d, int(f), where)
    return tuple(out)


__all__: list[str] = []

"""A symbolic size meeting a fixed size in broadcasting: unified, and checked when the function is called.

``x`` of shape ``("n",)`` minus a constant of shape ``(2,)`` cannot be refused at
build time without refusing correct programs (NumPy code written for one
problem size, run with a symbolic one), and cannot be broadcast either way
without knowing ``n``. So the broadcasting operation sees ``x`` through a
``match_size`` node of shape ``(2,)``: the same data, with the promise
``n == 2`` (or ``n == 1``, which broadcasts, as NumPy), which the interpreter
checks on the value and the compiled function checks before running (a
ValueError naming the operation and the size). Derivatives pass through the
same operation the other way (``mode="first"``).

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
    """An axis of symbolic length ``symbolic`` seen with the fixed length ``fixed``, or back.

    ``mode="broadcast"``: from length ``symbolic`` to ``fixed`` (NumPy broadcasting: the
    length must be ``fixed``, or 1, which repeats). ``mode="first"``: from ``fixed`` back to
    ``symbolic`` (all entries, or the first when the length is 1). Each is the other's
    transpose once a length-1 axis is accounted for: the VJP of ``broadcast`` sums the
    cotangent into the first entry when the length is 1; the VJP of ``first`` keeps only the
    first entry. The length is checked when the function is called (ValueError).
    """

    name = "match_size"
    sparsity = "gather"
    dim_params = ("size",)

    def infer(self, x, *, axis, size, symbolic, fixed, where, mode):
        if x.shape[axis] != (symbolic if mode == "broadcast" else fixed):
            raise shape_error("match_size", f"axis {axis} of {shape_str(x.shape)} does not match {mode} "
                                            f"{symbolic!r} / {fixed}")
        return x.shape[:axis] + (size,) + x.shape[axis + 1:], x.dtype

    def impl(self, x, *, axis, size, symbolic, fixed, where, mode):
        n = x.shape[axis] if mode == "broadcast" else size    # the symbolic length at this call
        if n not in (fixed, 1):
            raise ValueError(mismatch_message(where, symbolic, fixed) + str(n))
        if n == fixed:
            return x
        if mode == "broadcast":
            return np.repeat(x, fixed, axis=axis)
        return np.take(x, [0], axis=axis)

    def vjp(self, ct, out, x, *, axis, size, symbolic, fixed, where, mode):
        from .elementwise import logical_and, where as select
        from .reduction import sum as reduce_sum
        from .shape import broadcast_to, reshape

        one = _length_is_one(symbolic)
        if mode == "broadcast":
            summed = broadcast_to(reduce_sum(ct, axis=axis, keepdims=True), ct.shape)
            return [match_size(select(one, summed, ct), axis, symbolic, symbolic, fixed, where, "first")]
        wide = match_size(ct, axis, fixed, symbolic, fixed, where, "broadcast")
        rest = reshape(np.arange(fixed) != 0, tuple(fixed if k == axis else 1 for k in range(wide.ndim)))
        return [select(logical_and(one, rest), 0.0, wide)]

    def jvp(self, ts, out, x, *, axis, size, symbolic, fixed, where, mode, nb=0):
        t = ts[0]
        if t is None:
            return None
        return match_size(t, axis + t.ndim - x.ndim, size, symbolic, fixed, where, mode)


def _length_is_one(symbolic: str) -> Node:
    from .creation import size_of
    from .elementwise import equal

    return equal(size_of((symbolic,), "int64"), 1)


def mismatch_message(where: str, symbolic: str, fixed: int) -> str:
    """The start of the error; the caller appends the size the symbol has at this call."""
    return (f"{where}: an axis of symbolic size {symbolic!r} meets the fixed size {fixed} in broadcasting, "
            f"so {symbolic} must be {fixed} (or 1); at this call {symbolic} = ")


def match_size(x: Node, axis: int, size: Dim, symbolic: str, fixed: int, where: str, mode: str) -> Node:
    from ..graph import OPS

    if x.shape[axis] == size:
        return x
    return OPS["match_size"].make(x, axis=axis, size=size, symbolic=symbolic, fixed=fixed, where=where, mode=mode)


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
                out[k] = match_size(out[k], a, int(f), d, int(f), where, "broadcast")
    return tuple(out)


__all__: list[str] = []

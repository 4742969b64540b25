"""Indexing: basic ``x[...]``, ``take`` and ``take_along_axis``, and their transposes.

A basic index is stored canonically as a tuple with one entry per result
source: ``("i", k)`` an integer, ``("s", start, stop, step)`` a slice, ``("n",)``
a new axis. The Ellipsis is expanded and missing trailing axes become full
slices, so ``x[0]`` and ``x[0, ...]`` are the same node.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from ..dims import dim_sub, shape_str
from ..errors import ShapeError, shape_error
from ..graph import OPS, Node, Op, as_node
from ..shapes import broadcast_shapes, normalize_axis


class IndexShapeError(ShapeError, IndexError):
    """An index out of range, found at build time (both a ShapeError and an IndexError)."""


def _to_numpy_index(index):
    out = []
    for e in index:
        if e[0] == "i":
            out.append(e[1])
        elif e[0] == "s":
            out.append(slice(e[1], e[2], e[3]))
        else:
            out.append(None)
    return tuple(out)


def _prefix(index, nb):
    return (("s", None, None, None),) * nb + index


class GetItem(Op):
    """Basic indexing ``x[index]`` (ints, slices, None, Ellipsis). Its VJP scatters back."""

    name = "getitem"
    sparsity = "gather"

    def infer(self, x, *, index):
        shape, axis = [], 0
        for e in index:
            if e[0] == "n":
                shape.append(1)
                continue
            d = x.shape[axis]
            axis += 1
            if e[0] == "s":
                shape.append(_slice_length(e, d))
        return tuple(shape), x.dtype

    def impl(self, x, *, index):
        x = np.asarray(x)
        check_symbolic_slices(index, x.shape)
        return x[_to_numpy_index(index)]

    def label(self, node):
        return f"getitem{{{_index_str(node.kw['index'])}}}"

    def vjp(self, ct, out, x, *, index):
        return [OPS["scatter_index"].make(ct, index=index, shape=x.shape)]

    def jvp(self, ts, out, x, *, index, nb=0):
        return OPS["getitem"].make(ts[0], index=_prefix(index, nb))


class ScatterIndex(Op):
    """Zeros of ``shape`` with ``x`` written at a basic ``index`` (the transpose of getitem)."""

    name = "scatter_index"
    sparsity = "scatter"
    gather_op = "getitem"   # its transpose, evaluated on element numbers
    dim_params = ("shape",)

    def infer(self, x, *, index, shape):
        return shape, x.dtype

    def impl(self, x, *, index, shape):
        check_symbolic_slices(index, shape)
        out = np.zeros(shape, dtype=np.asarray(x).dtype)
        out[_to_numpy_index(index)] = x
        return out

    def label(self, node):
        return f"scatter_index{{{_index_str(node.kw['index'])}}}"

    def vjp(self, ct, out, x, *, index, shape):
        return [OPS["getitem"].make(ct, index=index)]

    def jvp(self, ts, out, x, *, index, shape, nb=0):
        t = ts[0]
        return OPS["scatter_index"].make(t, index=_prefix(index, nb), shape=t.shape[:nb] + shape)


#: why a slice of a symbolic axis must lie inside it (the rule of docs/semantics.md)
SYMBOLIC_SLICE_RULE = " (the graph gives slices of symbolic axes the length stop - start; NumPy would clip)"


def check_symbolic_slices(index, sizes) -> None:
    """Raise IndexError when a slice of a symbolic axis falls outside it at these sizes.

    Slices of fixed axes are clipped when the node is built (as NumPy clips); a
    unit-step slice of a symbolic axis (stored with step None) has the length
    ``stop - start`` in the graph, so the same bounds must hold when the sizes
    are known. The Numba backend checks the same rule in its call path.
    """
    q = 0
    for e in index:
        if e[0] == "n":
            continue
        if e[0] == "s" and e[3] is None and (e[1] is not None or e[2] is not None):
            d = sizes[q]
            lo = 0 if e[1] is None else (e[1] if e[1] >= 0 else d + e[1])
            hi = d if e[2] is None else (e[2] if e[2] >= 0 else d + e[2])
            if not 0 <= lo <= hi <= d:
                text = ("" if e[1] is None else str(e[1])) + ":" + ("" if e[2] is None else str(e[2]))
                raise IndexError(f"the slice {text} is out of bounds for axis {q} with size {d}"
                                 + SYMBOLIC_SLICE_RULE)
        q += 1


def _slice_length(e, d):
    _, start, stop, step = e
    if isinstance(d, int):
        return len(range(*slice(start, stop, step).indices(d)))
    # symbolic: full reversals, or unit steps with bounds relative to either end
    if step == -1:
        return d
    lo = 0 if start is None else (start if start >= 0 else dim_sub(d, -start))
    hi = d if stop is None else (stop if stop >= 0 else dim_sub(d, -stop))
    return dim_sub(hi, lo)


def _index_str(index):
    parts = []
    for e in index:
        if e[0] == "i":
            parts.append(str(e[1]))
        elif e[0] == "n":
            parts.append("None")
        else:
            s = ["" if v is None else str(v) for v in e[1:3]]
            parts.append(":".join(s) + ("" if e[3] in (None, 1) else f":{e[3]}"))
    return ", ".join(parts)


def canonical_index(x: Node, index) -> tuple:
    if not isinstance(index, tuple):
        index = (index,)
    n_ell = sum(1 for e in index if e is Ellipsis)
    if n_ell > 1:
        raise IndexShapeError(f"getitem: an index can only have a single ellipsis ('...'), got {index!r}")
    n_real = sum(1 for e in index if e is not None and e is not Ellipsis)
    if n_real > x.ndim:
        raise IndexShapeError(f"getitem: too many indices for array of shape {shape_str(x.shape)}: {n_real} were indexed")
    full = []
    for e in index:
        if e is Ellipsis:
            full.extend([slice(None)] * (x.ndim - n_real))
        else:
            full.append(e)
    full.extend([slice(None)] * (x.ndim - sum(1 for e in full if e is not None)))
    out, axis = [], 0
    for e in full:
        if e is None:
            out.append(("n",))
            continue
        d = x.shape[axis]
        if isinstance(e, slice):
            out.append(_canonical_slice(e, d, axis, x))
        elif isinstance(e, (int, np.integer)) and not isinstance(e, (bool, np.bool_)):
            k = int(e)
            if isinstance(d, int):
                if not -d <= k < d:
                    raise IndexShapeError(f"getitem: index {k} is out of bounds for axis {axis} with size {d}")
                k %= d
            out.append(("i", k))
        else:
            raise TypeError(f"getitem: unsupported index {e!r}; use ints, slices, None, ..., or sd.take for arrays of indices")
        axis += 1
    return tuple(out)


def _int_or_none(v, what):
    if v is None:
        return None
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    raise TypeError(f"getitem: slice {what} must be an int or None, got {v!r}")


def _canonical_slice(s: slice, d, axis, x):
    start, stop, step = (_int_or_none(s.start, "start"), _int_or_none(s.stop, "stop"), _int_or_none(s.step, "step"))
    if step == 0:
        raise ValueError("getitem: slice step cannot be zero")
    if isinstance(d, int):
        start, stop, step = slice(start, stop, step).indices(d)
        if step < 0 and stop < 0:
            stop = None
        return ("s", start, stop, step)
    if step == -1 and start is None and stop is None:
        return ("s", None, None, -1)  # a full reversal keeps the length
    if step not in (None, 1):
        raise shape_error("getitem", f"a slice with step {step} of the symbolic axis {axis} ({d!r}) of shape {shape_str(x.shape)} is not supported")
    return ("s", start, stop, None)


class Take(Op):
    """``numpy.take(x, indices, axis)``: gather along one axis by integer indices."""

    name = "take"
    sparsity = "gather"
    nondiff_inputs = (1,)

    def infer(self, x, idx, *, axis):
        if idx.dtype != dt.INT64:
            raise shape_error("take", f"indices must be integers, got {idx.dtype}")
        return x.shape[:axis] + idx.shape + x.shape[axis + 1:], x.dtype

    def impl(self, x, idx, *, axis):
        return np.take(x, idx, axis=axis)

    def vjp(self, ct, out, x, idx, *, axis):
        return [OPS["take_add"].make(ct, idx, axis=axis, shape=x.shape), None]

    def jvp(self, ts, out, x, idx, *, axis, nb=0):
        return OPS["take"].make(ts[0], idx, axis=axis + nb)


class TakeAdd(Op):
    """Zeros of ``shape`` with ``x`` added at ``indices`` along ``axis`` (the transpose of take)."""

    name = "take_add"
    sparsity = "scatter"
    gather_op = "take"
    nondiff_inputs = (1,)
    dim_params = ("shape",)

    def infer(self, x, idx, *, axis, shape):
        return shape, x.dtype

    def impl(self, x, idx, *, axis, shape):
        out = np.zeros(shape, dtype=np.asarray(x).dtype)
        np.add.at(out, (slice(None),) * axis + (idx,), x)
        return out

    def vjp(self, ct, out, x, idx, *, axis, shape):
        return [OPS["take"].make(ct, idx, axis=axis), None]

    def jvp(self, ts, out, x, idx, *, axis, shape, nb=0):
        t = ts[0]
        return OPS["take_add"].make(t, idx, axis=axis + nb, shape=t.shape[:nb] + shape)


class TakeAlongAxis(Op):
    """``numpy.take_along_axis(x, indices, axis)``."""

    name = "take_along_axis"
    sparsity = "gather"
    nondiff_inputs = (1,)

    def infer(self, x, idx, *, axis):
        if idx.dtype != dt.INT64:
            raise shape_error("take_along_axis", f"indices must be integers, got {idx.dtype}")
        if idx.ndim != x.ndim:
            raise shape_error("take_along_axis", f"indices {shape_str(idx.shape)} and array {shape_str(x.shape)} must have the same number of dimensions")
        xs = x.shape[:axis] + (1,) + x.shape[axis + 1:]
        ys = idx.shape[:axis] + (1,) + idx.shape[axis + 1:]
        b = broadcast_shapes("take_along_axis", xs, ys)
        return b[:axis] + (idx.shape[axis],) + b[axis + 1:], x.dtype

    def impl(self, x, idx, *, axis):
        return np.take_along_axis(x, idx, axis=axis)

    def vjp(self, ct, out, x, idx, *, axis):
        return [OPS["put_along_axis_add"].make(ct, idx, axis=axis, shape=x.shape), None]

    def jvp(self, ts, out, x, idx, *, axis, nb=0):
        from .shape import reshape

        return OPS["take_along_axis"].make(ts[0], reshape(idx, (1,) * nb + idx.shape), axis=axis + nb)


class PutAlongAxisAdd(Op):
    """Zeros of ``shape`` with ``x`` added where take_along_axis read (its transpose)."""

    name = "put_along_axis_add"
    sparsity = "scatter"
    gather_op = "take_along_axis"
    nondiff_inputs = (1,)
    dim_params = ("shape",)

    def infer(self, x, idx, *, axis, shape):
        return shape, x.dtype

    def impl(self, x, idx, *, axis, shape):
        x = np.asarray(x)
        out = np.zeros(shape, dtype=x.dtype)
        grids = list(np.indices(x.shape, sparse=True))
        for i in range(x.ndim):
            if i != axis and shape[i] == 1 and x.shape[i] != 1:
                grids[i] = np.zeros_like(grids[i])
        grids[axis] = np.broadcast_to(idx, x.shape)
        np.add.at(out, tuple(grids), x)
        return out

    def vjp(self, ct, out, x, idx, *, axis, shape):
        from .shape import broadcast_to

        taken = OPS["take_along_axis"].make(ct, idx, axis=axis)
        return [broadcast_to(taken, x.shape) if taken.shape != x.shape else taken, None]

    def jvp(self, ts, out, x, idx, *, axis, shape, nb=0):
        from .shape import reshape

        t = ts[0]
        return OPS["put_along_axis_add"].make(t, reshape(idx, (1,) * nb + idx.shape), axis=axis + nb, shape=t.shape[:nb] + shape)


# ---------------------------------------------------------------- public API


def getitem(x, index) -> Node:
    """``x[index]`` with NumPy basic indexing; an integer array index means ``take`` on axis 0.

    >>> import symdiff as sd
    >>> a = sd.matrix("a", (3, 4))
    >>> a[1:, None, -1].shape
    (2, 1)
    """
    x = as_node(x)
    if isinstance(index, (Node, np.ndarray, list)):
        idx = as_node(index) if not isinstance(index, list) else as_node(np.asarray(index))
        if idx.dtype == dt.BOOL:
            raise TypeError("getitem: boolean mask indexing gives a data-dependent shape; use sd.where instead")
        return take(x, idx, axis=0)
    if isinstance(index, tuple) and any(isinstance(e, (Node, np.ndarray, list)) for e in index):
        raise TypeError("getitem: only a single integer-array index is supported; use sd.take or sd.take_along_axis")
    canonical = canonical_index(x, index)
    if all(e == ("s", 0, d, 1) or e == ("s", None, None, None) for e, d in zip(canonical, x.shape)) and len(canonical) == x.ndim:
        return x
    return OPS["getitem"].make(x, index=canonical)


def take(x, indices, axis=None) -> Node:
    """``numpy.take``: gather entries by integer ``indices`` along ``axis`` (flattened if None)."""
    from .shape import reshape

    x = as_node(x)
    idx = as_node(indices)
    if idx.dtype != dt.INT64:
        raise shape_error("take", f"indices must be integers, got {idx.dtype}")
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    axis = normalize_axis("take", axis, x.ndim)
    check_constant_indices("take", idx, axis, x.shape[axis])
    return OPS["take"].make(x, idx, axis=axis)


def check_constant_indices(op: str, idx: Node, axis: int, size) -> None:
    """IndexError now (as NumPy would raise) for constant indices outside an axis of known length."""
    if not idx.op.is_constant or not isinstance(size, int):
        return
    arr = idx.kw["value"].array
    bad = arr[(arr >= size) | (arr < -size)]
    if bad.size:
        raise IndexError(f"{op}: index {int(bad.flat[0])} is out of bounds for axis {axis} with size {size}")


def take_along_axis(x, indices, axis) -> Node:
    """``numpy.take_along_axis``: gather with an index array matching ``x``'s dimensions."""
    x = as_node(x)
    idx = as_node(indices)
    if axis is None:
        from .shape import reshape

        x = reshape(x, (-1,))
        axis = 0
    axis = normalize_axis("take_along_axis", axis, x.ndim)
    if idx.dtype == dt.INT64:
        check_constant_indices("take_along_axis", idx, axis, x.shape[axis])
    return OPS["take_along_axis"].make(x, idx, axis=axis)

#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = [
    "getitem",
    "take",
    "take_along_axis",
]

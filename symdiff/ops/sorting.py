"""Sorting and searching: ``argsort``, ``argmax``, ``argmin`` (int64 results, no derivative) and
``sort``, a gather through ``argsort`` (so it differentiates like ``take_along_axis``).

Every sort is stable (NumPy's ``kind="stable"``): equal entries keep their order, so both
backends give the same indices; NaN sorts last, as in NumPy. ``argmax``/``argmin`` follow
NumPy: the first occurrence of the extreme, and a NaN counts as the extreme (the first NaN wins).

>>> import symdiff as sd
>>> x = sd.matrix("x", ("n", 3))
>>> sd.sort(x).shape, sd.argsort(x, axis=0).dtype, sd.argmax(x, axis=1).shape, sd.argmin(x).shape
(('n', 3), dtype('int64'), ('n',), ())
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from ..errors import shape_error
from ..graph import OPS, Node, Op, as_node
from ..shapes import normalize_axis
from . import shape as shp
from .indexing import take_along_axis


class Argsort(Op):
    """``numpy.argsort(x, axis, kind="stable")``: int64 indices that sort ``x`` along ``axis``.

    Stable (ties keep their order); NaN sorts last. No derivative (an int64 result).

    >>> import symdiff as sd
    >>> sd.evaluate(sd.argsort(sd.constant([3.0, 1.0, 3.0, 0.5])), {}).tolist()
    [3, 1, 0, 2]
    """

    name = "argsort"
    sparsity = "none"   # integer results carry no derivative
    differentiable = False

    def canonical_params(self, x, *, axis):
        return {"axis": int(axis)}

    def infer(self, x, *, axis):
        if not 0 <= axis < x.ndim:
            raise shape_error(self.name, f"axis {axis} is out of bounds for an array of dimension {x.ndim}")
        return x.shape, dt.INT64

    def impl(self, x, *, axis):
        return np.argsort(x, axis=axis, kind="stable").astype(np.int64, copy=False)


class _ArgExtreme(Op):
    """argmax / argmin along one axis: int64, the axis removed; no derivative."""

    sparsity = "none"

    differentiable = False
    numpy_fn = None

    def canonical_params(self, x, *, axis):
        return {"axis": int(axis)}

    def infer(self, x, *, axis):
        if not 0 <= axis < x.ndim:
            raise shape_error(self.name, f"axis {axis} is out of bounds for an array of dimension {x.ndim}")
        if x.shape[axis] == 0:
            raise shape_error(self.name, f"attempt to get {self.name} of an empty sequence (axis {axis} has size 0)")
        return x.shape[:axis] + x.shape[axis + 1:], dt.INT64

    def impl(self, x, *, axis):
        x = np.asarray(x)
        if x.shape[axis] == 0:
            raise ValueError(f"{self.name}: attempt to get {self.name} of an empty sequence")
        return np.asarray(self.numpy_fn(x, axis=axis), dtype=np.int64)


class Argmax(_ArgExtreme):
    """``numpy.argmax`` along ``axis``: the index of the first largest entry; a NaN counts as
    the largest (the first NaN wins). int64, no derivative.

    >>> import symdiff as sd
    >>> sd.evaluate(sd.argmax(sd.constant([1.0, 4.0, 4.0])), {}).tolist()
    1
    """

    name = "argmax"
    numpy_fn = staticmethod(np.argmax)


class Argmin(_ArgExtreme):
    """``numpy.argmin`` along ``axis``: the index of the first smallest entry; a NaN counts as
    the smallest (the first NaN wins). int64, no derivative."""

    name = "argmin"
    numpy_fn = staticmethod(np.argmin)


def _no_options(fn: str, kind, order, stable) -> None:
    if order is not None:
        raise TypeError(f"{fn}: order= (fields of structured arrays) is not supported")
    if kind not in (None, "stable", "mergesort", "quicksort", "heapsort"):
        raise ValueError(f"{fn}: unknown kind {kind!r} (use 'stable'; every sort here is stable)")
    if stable not in (None, True, False):
        raise ValueError(f"{fn}: stable must be True, False or None, got {stable!r}")


def _flat_or_axis(fn: str, x: Node, axis) -> tuple[Node, int]:
    if axis is None:
        return shp.reshape(x, (-1,)), 0
    if x.ndim == 0:
        raise shape_error(fn, f"axis {axis!r} is out of bounds for a 0-d array (use axis=None)")
    return x, normalize_axis(fn, axis, x.ndim)


def argsort(x, axis=-1, kind=None, order=None, *, stable=None) -> Node:
    """``numpy.argsort``: int64 indices that sort ``x`` along ``axis`` (the flattened array when None).

    Always stable, whatever ``kind`` (a stable order is a valid result of every kind): ties keep
    their order, NaN sorts last. No derivative.

    >>> import symdiff as sd
    >>> sd.evaluate(sd.argsort(sd.constant([[2.0, 1.0], [0.0, 3.0]]), axis=None), {}).tolist()
    [2, 1, 0, 3]
    """
    _no_options("argsort", kind, order, stable)
    x, ax = _flat_or_axis("argsort", as_node(x), axis)
    return OPS["argsort"].make(x, axis=ax)


def sort(x, axis=-1, kind=None, order=None, *, stable=None) -> Node:
    """``numpy.sort``: ``x`` sorted along ``axis`` (the flattened array when None), NaN last.

    Built as ``take_along_axis(x, argsort(x))``, so its derivative is the gather's: each entry's
    cotangent goes back to where the entry came from (ties: by the stable order).

    >>> import symdiff as sd
    >>> sd.evaluate(sd.sort(sd.constant([3.0, float("nan"), 1.0])), {}).tolist()
    [1.0, 3.0, nan]
    """
    _no_options("sort", kind, order, stable)
    x, ax = _flat_or_axis("sort", as_node(x), axis)
    return take_along_axis(x, OPS["argsort"].make(x, axis=ax), ax)


def _arg_extreme(name: str, x, axis, keepdims) -> Node:
    x = as_node(x)
    if not isinstance(keepdims, (bool, np.bool_)):
        raise TypeError(f"{name}: keepdims must be True or False, got {keepdims!r}")
    if axis is None:
        out = OPS[name].make(shp.reshape(x, (-1,)), axis=0)
        return shp.reshape(out, (1,) * x.ndim) if keepdims else out
    if x.ndim == 0:
        raise shape_error(name, f"axis {axis!r} is out of bounds for a 0-d array (use axis=None)")
    ax = normalize_axis(name, axis, x.ndim)
    out = OPS[name].make(x, axis=ax)
    return shp.expand_dims(out, ax) if keepdims else out


def argmax(x, axis=None, out=None, *, keepdims: bool = False) -> Node:
    """``numpy.argmax``: int64 index of the first largest entry along ``axis`` (of the flattened
    array when None); a NaN counts as the largest. An empty axis is an error.

    >>> import symdiff as sd
    >>> sd.evaluate(sd.argmax(sd.constant([[1.0, 5.0], [7.0, 2.0]]), axis=1), {}).tolist()
    [1, 0]
    """
    if out is not None:
        raise TypeError("argmax: out= is not supported (a node has no values to write into)")
    return _arg_extreme("argmax", x, axis, keepdims)


def argmin(x, axis=None, out=None, *, keepdims: bool = False) -> Node:
    """``numpy.argmin``: int64 index of the first smallest entry along ``axis`` (of the flattened
    array when None); a NaN counts as the smallest. An empty axis is an error.

    >>> import symdiff as sd
    >>> sd.evaluate(sd.argmin(sd.constant([[1.0, 5.0], [7.0, 2.0]]), axis=0, keepdims=True), {}).tolist()
    [[0, 1]]
    """
    if out is not None:
        raise TypeError("argmin: out= is not supported (a node has no values to write into)")
    return _arg_extreme("argmin", x, axis, keepdims)


#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = ["argmax", "argmin", "argsort", "sort"]

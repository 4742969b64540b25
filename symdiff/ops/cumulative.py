"""Running sums and products along an axis: ``cumsum``, ``cumprod`` and the linear recurrence
their derivatives are made of.

Three primitives, each a sequential loop along one axis (``axis``, a non-negative int;
``reverse`` runs from the last entry to the first):

* ``cumsum``: linear, so its VJP is the cumsum of the cotangent run the other way and its
  JVP the cumsum of the tangent;
* ``cumprod``: NumPy's running product. Its derivative is ``d x_k = y_{k-1} s_k`` with
  ``s_k = ct_k + x_{k+1} s_{k+1}``: a reverse linear recurrence, and no division by ``x``,
  so it is exact where entries are zero;
* ``linear_recurrence(a, b)``: ``h_t = a_t h_{t-1} + b_t`` with ``h_first = b_first``;
  closed under differentiation (its derivatives are linear recurrences again), so every
  derivative order of cumprod is exact, at zeros too.

Why cumprod is a primitive rather than an ``sd.scan`` (which would give the same exact
derivatives): measured with ``benchmarks/cumprod.py`` (results in ``benchmarks/results``), the
Numba code of the two runs equally fast for the value, the primitive's gradient 1.1-1.5x and
its Hessian-vector product about 1.8x slower (more passes than one fused loop), and it compiles
0.5-2.5 s longer the first time; but the reference interpreter (``sd.evaluate``, and the tier
serving calls while native code compiles) is 100-3000x faster with the primitive, since a scan
runs its body's plan once per step, and the primitive keeps ``np.cumprod``'s values exactly.

>>> import symdiff as sd
>>> x = sd.matrix("x", ("n", 3))
>>> sd.cumsum(x, axis=0).shape, sd.cumprod(x).shape
(('n', 3), ('3*n',))
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from ..dims import dim_add, shape_str
from ..errors import shape_error
from ..graph import OPS, Node, Op, as_node
from ..shapes import broadcast_shapes, normalize_axis
from . import elementwise as ew
from . import shape as shp


def _along(x: np.ndarray, axis: int, reverse: bool) -> np.ndarray:
    """``x`` with ``axis`` reversed when ``reverse`` (NumPy's accumulate runs forwards only)."""
    return np.flip(x, axis) if reverse else x


def _accumulated_dtype(d: np.dtype) -> np.dtype:
    return dt.INT64 if d.kind in "bi" else d


class _AlongAxis(Op):
    """Shared shape rule: the result has the input's shape; ``axis`` must exist."""

    def canonical_params(self, *inputs, axis, reverse=False):
        return {"axis": int(axis), "reverse": bool(reverse)}

    def _check(self, x, axis):
        if not 0 <= axis < x.ndim:
            raise shape_error(self.name, f"axis {axis} is out of bounds for an array of dimension {x.ndim}")


class Cumsum(_AlongAxis):
    """``numpy.cumsum`` along ``axis`` (``reverse``: sums from the end). bool and int64 give int64.

    Linear: VJP ``cumsum(ct)`` run the other way, JVP ``cumsum(t)``.

    >>> import symdiff as sd
    >>> sd.evaluate(sd.cumsum(sd.constant([1.0, 2.0, 3.0])), {})
    array([1., 3., 6.])
    """

    name = "cumsum"
    sparsity = "prefix"
    curvature = "none"

    def infer(self, x, *, axis, reverse):
        self._check(x, axis)
        return x.shape, _accumulated_dtype(x.dtype)

    def impl(self, x, *, axis, reverse):
        x = np.asarray(x)
        out = np.cumsum(_along(x, axis, reverse), axis=axis, dtype=_accumulated_dtype(x.dtype))
        return _along(out, axis, reverse)

    def vjp(self, ct, out, x, *, axis, reverse):
        return [OPS["cumsum"].make(ct, axis=axis, reverse=not reverse)]

    def jvp(self, ts, out, x, *, axis, reverse, nb=0):
        return OPS["cumsum"].make(ts[0], axis=axis + nb, reverse=reverse)


def _first_mask(shape, axis: int) -> Node:
    """True at index 0 of ``axis``, broadcasting against ``shape``."""
    n = shape[axis]
    first = ew.equal(OPS["iota"].make(n=n, dtype=dt.INT64), 0)
    return shp.reshape(first, (n,) + (1,) * (len(shape) - axis - 1))


def previous(x: Node, axis: int, reverse: bool = False) -> Node:
    """The value one step earlier in the recurrence: ``x[t-1]`` (``x[t+1]`` when ``reverse``), 0 at the start.

    Built as pad-then-slice, so it is defined for every length, 0 included.
    """
    n = x.shape[axis]
    if reverse:
        return shp.slice_axis(shp.pad_axis(x, axis, 0, 1), axis, 1, dim_add(n, 1))
    return shp.slice_axis(shp.pad_axis(x, axis, 1, 0), axis, 0, n)


class Cumprod(_AlongAxis):
    """``numpy.cumprod`` along ``axis``. bool and int64 give int64.

    Derivative without division (exact at zeros, to every order): with ``p_k = y_{k-1}``
    (1 at the start), ``d/dx_k <ct, y> = p_k s_k`` where ``s_k = ct_k + x_{k+1} s_{k+1}``
    is a reverse ``linear_recurrence``; the JVP is the recurrence ``dy_t = x_t dy_{t-1} + p_t dx_t``.

    >>> import symdiff as sd
    >>> sd.evaluate(sd.cumprod(sd.constant([2.0, 0.0, 3.0])), {})
    array([2., 0., 0.])
    """

    name = "cumprod"
    sparsity = "prefix"

    def canonical_params(self, x, *, axis):
        return {"axis": int(axis)}

    def infer(self, x, *, axis):
        self._check(x, axis)
        return x.shape, _accumulated_dtype(x.dtype)

    def impl(self, x, *, axis):
        x = np.asarray(x)
        return np.cumprod(x, axis=axis, dtype=_accumulated_dtype(x.dtype))

    def vjp(self, ct, out, x, *, axis):
        s = linear_recurrence(previous(x, axis, reverse=True), ct, axis, reverse=True)
        return [ew.multiply(s, _before(out, axis))]

    def jvp(self, ts, out, x, *, axis, nb=0):
        b = ew.multiply(ts[0], _before(out, axis))
        return linear_recurrence(shp.broadcast_to(x, b.shape), b, axis + nb)


def _before(y: Node, axis: int) -> Node:
    """The product of the entries before each one: ``y[t-1]``, 1 at ``t = 0``."""
    return ew.where(_first_mask(y.shape, axis), 1, previous(y, axis))


class LinearRecurrence(_AlongAxis):
    """``h_t = a_t h_{t-1} + b_t`` along ``axis`` with ``h_first = b_first`` (``a_first`` unused);
    ``reverse``: from the last entry to the first. ``a`` and ``b`` have the result's shape.

    The derivative rules of ``cumprod`` are made of it, and its own are too: with
    ``s = linear_recurrence(a_next, ct)`` run the other way (``a_next`` the ``a`` of the step
    after), the cotangents are ``s * h_prev`` for ``a`` and ``s`` for ``b``; the JVP is
    ``linear_recurrence(a, ta * h_prev + tb)``. No division: exact where ``a`` is zero.

    >>> import symdiff as sd
    >>> from symdiff.ops.cumulative import linear_recurrence
    >>> a, b = sd.constant([9.0, 2.0, 0.5]), sd.constant([1.0, 1.0, 1.0])
    >>> sd.evaluate(linear_recurrence(a, b, 0), {})
    array([1. , 3. , 2.5])
    """

    name = "linear_recurrence"
    sparsity = "prefix"

    def infer(self, a, b, *, axis, reverse):
        if a.shape != b.shape:
            raise shape_error(self.name, f"a {shape_str(a.shape)} and b {shape_str(b.shape)} must have one shape")
        self._check(b, axis)
        d = dt.promote(a.dtype, b.dtype)
        if not dt.is_float(d):
            raise shape_error(self.name, f"needs float operands, got {a.dtype} and {b.dtype}")
        return b.shape, d

    def impl(self, a, b, *, axis, reverse):
        d = dt.promote(np.asarray(a).dtype, np.asarray(b).dtype)
        a = np.moveaxis(np.asarray(a, dtype=d), axis, 0)
        b = np.moveaxis(np.asarray(b, dtype=d), axis, 0)
        out = np.empty(b.shape, dtype=d)
        n = b.shape[0]
        steps = range(n - 1, -1, -1) if reverse else range(n)
        if b.ndim == 1:   # Python floats: several times faster than NumPy scalars in this loop
            al, bl, h, res = a.tolist(), b.tolist(), 0.0, [0.0] * n
            for k, t in enumerate(steps):
                h = bl[t] if k == 0 else al[t] * h + bl[t]
                res[t] = h
            out[:] = res
        else:
            for k, t in enumerate(steps):
                out[t] = b[t] if k == 0 else a[t] * out[t + (1 if reverse else -1)] + b[t]
        return np.moveaxis(out, 0, axis)

    def vjp(self, ct, out, a, b, *, axis, reverse):
        s = linear_recurrence(previous(a, axis, not reverse), ct, axis, not reverse)
        return [ew.multiply(s, previous(out, axis, reverse)), s]

    def jvp(self, ts, out, a, b, *, axis, reverse, nb=0):
        ta, tb = ts
        terms = [t for t in (None if ta is None else ew.multiply(ta, previous(out, axis, reverse)),
                             None if tb is None else shp.broadcast_to(tb, tb.shape[:nb] + out.shape)) if t is not None]
        if not terms:
            return None
        drive = terms[0] if len(terms) == 1 else ew.add(*terms)
        return linear_recurrence(shp.broadcast_to(a, drive.shape), drive, axis + nb, reverse)


def linear_recurrence(a, b, axis: int, reverse: bool = False) -> Node:
    """``h_t = a_t h_{t-1} + b_t`` along ``axis`` (``h_first = b_first``); ``a`` and ``b`` broadcast.

    >>> import symdiff as sd
    >>> linear_recurrence(0.5, sd.vector("b", "n"), 0).shape
    ('n',)
    """
    a, b = as_node(a), as_node(b)
    d = dt.promote(a.dtype, b.dtype)
    if not dt.is_float(d):
        d = dt.FLOAT64
    shape = broadcast_shapes("linear_recurrence", a.shape, b.shape)
    a = shp.broadcast_to(ew.cast(a, d), shape) if a.shape != shape else ew.cast(a, d)
    b = shp.broadcast_to(ew.cast(b, d), shape) if b.shape != shape else ew.cast(b, d)
    return OPS["linear_recurrence"].make(a, b, axis=normalize_axis("linear_recurrence", axis, len(shape)),
                                         reverse=reverse)


def _cumulative(name: str, x, axis, dtype) -> Node:
    x = as_node(x)
    if dtype is not None:
        x = ew.cast(x, dtype)
    if axis is None:
        x = shp.reshape(x, (-1,))
        axis = 0
    elif x.ndim == 0:
        raise shape_error(name, f"axis {axis!r} is out of bounds for a 0-d array (use axis=None)")
    return OPS[name].make(x, axis=normalize_axis(name, axis, x.ndim))


def cumsum(x, axis=None, dtype=None) -> Node:
    """``numpy.cumsum``: running sums along ``axis`` (the flattened array when None).

    bool and int64 inputs give int64; ``dtype`` casts the input first. The derivative is a
    cumsum of the cotangent run backwards.

    >>> import symdiff as sd
    >>> sd.evaluate(sd.cumsum(sd.constant([[1, 2], [3, 4]]), axis=0), {}).tolist()
    [[1, 2], [4, 6]]
    """
    return _cumulative("cumsum", x, axis, dtype)


def cumprod(x, axis=None, dtype=None) -> Node:
    """``numpy.cumprod``: running products along ``axis`` (the flattened array when None).

    bool and int64 inputs give int64; ``dtype`` casts the input first. Derivatives of every
    order are exact where entries are zero (no division: see ``Cumprod``).

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> g = sd.grad(sd.sum(sd.cumprod(x)), x)
    >>> sd.evaluate(g, {x: [2.0, 0.0, 3.0]}).tolist()
    [1.0, 8.0, 0.0]
    """
    return _cumulative("cumprod", x, axis, dtype)


#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = ["cumprod", "cumsum"]

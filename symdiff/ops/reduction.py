"""Reductions over axes: sum, prod, max, min (and mean, built from sum).

Params: ``axes`` (a sorted tuple of non-negative axes) and ``keepdims``.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt

from ..errors import shape_error
from ..graph import OPS, Node, Op, as_node, const_like
from ..shapes import normalize_axes, reduced_shape
from . import elementwise as ew
from ._util import batch_axes, restore_reduced


class Reduction(Op):
    numpy_fn = None

    def canonical_params(self, x, *, axes, keepdims):
        return {"axes": tuple(axes), "keepdims": bool(keepdims)}

    def infer(self, x, *, axes, keepdims):
        return reduced_shape(x.shape, axes, keepdims), self.result_dtype(x.dtype)

    def result_dtype(self, d):
        return d

    def impl(self, x, *, axes, keepdims):
        return self.numpy_fn(x, axis=axes, keepdims=keepdims)


class WeightedReduction(Reduction):
    """A reduction whose derivative is one weight per entry, ``d out / d x = weights``.

    VJP: the (keepdims) cotangent times the weights; JVP: the sum of the
    tangent times the weights over the reduced axes (batch axes shifted).
    """

    def weights(self, out: Node, x: Node, axes, keepdims) -> Node:
        raise NotImplementedError

    def vjp(self, ct, out, x, *, axes, keepdims):
        ct_k = restore_reduced(ct, x.shape, axes, keepdims)
        return [ew.multiply(ct_k, self.weights(out, x, axes, keepdims))]

    def jvp(self, ts, out, x, *, axes, keepdims, nb=0):
        w = self.weights(out, x, axes, keepdims)
        return OPS["sum"].make(ew.multiply(ts[0], w), axes=batch_axes(axes, nb), keepdims=keepdims)


class Sum(Reduction):
    """Sum over ``axes``. bool and int64 sum to int64.

    The VJP broadcasts the cotangent back over the summed axes; the JVP is the
    sum of the tangent (``sum`` is linear).
    """

    name = "sum"
    sparsity = "reduce"
    curvature = "none"
    numpy_fn = staticmethod(np.sum)

    def result_dtype(self, d):
        return dt.INT64 if d.kind in "bi" else d

    def impl(self, x, *, axes, keepdims):
        x = np.asarray(x)
        return np.sum(x, axis=axes, keepdims=keepdims, dtype=self.result_dtype(x.dtype))

    def vjp(self, ct, out, x, *, axes, keepdims):
        from .shape import broadcast_to

        return [broadcast_to(restore_reduced(ct, x.shape, axes, keepdims), x.shape)]

    def jvp(self, ts, out, x, *, axes, keepdims, nb=0):
        return OPS["sum"].make(ts[0], axes=batch_axes(axes, nb), keepdims=keepdims)


class Prod(WeightedReduction):
    """Product over ``axes``.

    Derivative: the product of the other entries, built without dividing by
    zero so that first *and second* derivatives are exact at exact zeros.
    With ``v`` the entries with zeros replaced by 1, ``Q = prod(v)``, ``m`` the
    number of zeros in the slice and ``z`` the sum of the zero entries (value
    0, derivative 1 with respect to each zero), the weight of entry i is:
    ``out / x_i`` if m = 0; ``Q`` at the zero and ``z * Q / x_i`` elsewhere if
    m = 1; ``(z - x_i) * Q`` (the other zero times Q) at a zero if m = 2; else 0.
    Each branch is the exact product of the other entries as a function of x
    near the point, to first order, which is what the Hessian needs. Third and
    higher derivatives are exact only away from zeros.
    """

    name = "prod"
    sparsity = "reduce"
    numpy_fn = staticmethod(np.prod)

    def result_dtype(self, d):
        return dt.INT64 if d.kind in "bi" else d

    def impl(self, x, *, axes, keepdims):
        x = np.asarray(x)
        return np.prod(x, axis=axes, keepdims=keepdims, dtype=self.result_dtype(x.dtype))

    def weights(self, out, x, axes, keepdims):
        zero = ew.equal(x, 0.0)
        v = ew.where(zero, 1.0, x)
        q = prod(v, axis=axes, keepdims=True)
        m = sum(zero, axis=axes, keepdims=True)
        z = sum(ew.where(zero, x, 0.0), axis=axes, keepdims=True)
        out_k = restore_reduced(out, x.shape, axes, keepdims)
        one_zero = ew.where(zero, q, ew.divide(ew.multiply(z, q), v))
        two_zeros = ew.where(zero, ew.multiply(ew.subtract(z, x), q), 0.0)
        return ew.where(ew.equal(m, 0), ew.divide(out_k, v),
                        ew.where(ew.equal(m, 1), one_zero,
                                 ew.where(ew.equal(m, 2), two_zeros, 0.0)))


class _Chooser(WeightedReduction):
    """max / min: the derivative is split equally among tied extrema (as JAX)."""

    def infer(self, x, *, axes, keepdims):
        for a in axes:
            if x.shape[a] == 0:
                raise shape_error(self.name, f"zero-size axis {a} of shape {x.shape} has no {self.name}imum")
        return super().infer(x, axes=axes, keepdims=keepdims)

    def weights(self, out, x, axes, keepdims):
        hit = ew.where(ew.equal(x, restore_reduced(out, x.shape, axes, keepdims)), const_like(1.0, x), const_like(0.0, x))
        return ew.divide(hit, sum(hit, axis=axes, keepdims=True))


class Max(_Chooser):
    """Largest entry over ``axes``; ties share the derivative equally (JAX's convention)."""

    name = "max"
    sparsity = "reduce"
    curvature = "none"
    numpy_fn = staticmethod(np.max)


class Min(_Chooser):
    """Smallest entry over ``axes``; ties share the derivative equally (JAX's convention)."""

    name = "min"
    sparsity = "reduce"
    curvature = "none"
    numpy_fn = staticmethod(np.min)


class _Truth(Reduction):
    """any / all: a bool result and no derivative."""

    differentiable = False

    def result_dtype(self, d):
        return dt.BOOL


class Any(_Truth):
    """True where any entry over ``axes`` is true (nonzero).

    >>> import symdiff as sd
    >>> sd.any(sd.vector("x", 3) > 0.0).dtype
    dtype('bool')
    """

    name = "any"
    sparsity = "none"
    numpy_fn = staticmethod(np.any)


class All(_Truth):
    """True where every entry over ``axes`` is true (nonzero)."""

    name = "all"
    sparsity = "none"
    numpy_fn = staticmethod(np.all)


def _reduce(name):
    op = OPS[name]

    def fn(x, axis=None, keepdims: bool = False) -> Node:
        x = as_node(x)
        return op.make(x, axes=normalize_axes(name, axis, x.ndim), keepdims=keepdims)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = type(op).__doc__
    return fn


sum = _reduce("sum")
prod = _reduce("prod")
max = _reduce("max")
min = _reduce("min")
amax, amin = max, min
any = _reduce("any")
all = _reduce("all")


def mean(x, axis=None, keepdims: bool = False) -> Node:
    """Arithmetic mean over ``axis``: ``sum / count`` (float64 for int and bool input).

    The count of a symbolic axis is read at run time, so one graph serves
    every size.

    >>> import symdiff as sd
    >>> sd.mean(sd.matrix("a", ("n", 3)), axis=0).shape
    (3,)
    """
    from .creation import size_of

    x = as_node(x)
    axes = normalize_axes("mean", axis, x.ndim)
    out_dt = x.dtype if dt.is_float(x.dtype) else dt.FLOAT64
    total = sum(x, axis=axes, keepdims=keepdims)
    return ew.divide(ew.cast(total, out_dt), size_of([x.shape[a] for a in axes], out_dt))

#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = [
    "max",
    "mean",
    "min",
    "prod",
    "sum",
    "any",
    "all",
]

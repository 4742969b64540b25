"""Neural-network helpers with numerically stable forms.

``sigmoid``, ``relu`` and ``softplus`` are elementwise primitives with hand-written
stable evaluation; ``logsumexp`` is a reduction primitive (max-shifted);
``softmax`` and ``log_softmax`` are built from ``logsumexp``, which keeps them
stable and gives their derivatives for free.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from ..graph import OPS, Node, as_node, const_like
from ..shapes import normalize_axes
from . import elementwise as ew
from ._util import restore_reduced
from .reduction import WeightedReduction


class Sigmoid(ew.Unary):
    """Logistic function ``1 / (1 + exp(-x))``. d/dx = out * (1 - out).

    Evaluated without overflow for large ``|x|``.
    """

    name = "sigmoid"

    @staticmethod
    def numpy_fn(x):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)

    def derivative(self, out, x):
        return ew.multiply(out, ew.subtract(1.0, out))


class Softplus(ew.Unary):
    """``log(1 + exp(x))``, evaluated stably as ``max(x, 0) + log1p(exp(-|x|))``.

    d/dx = sigmoid(x).
    """

    name = "softplus"

    @staticmethod
    def numpy_fn(x):
        return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    def derivative(self, out, x):
        return sigmoid(x)


class Relu(ew.Elementwise):
    """``max(x, 0)``, NaN for NaN (as ``maximum``). Derivative 1 for x > 0, else 0 (0 at x == 0: JAX's convention)."""

    name = "relu"
    curvature = "none"
    kinds = "fi"

    @staticmethod
    def numpy_fn(x):
        x = np.asarray(x)
        return np.where((x > 0) | (x != x), x, np.zeros((), x.dtype))

    def vjp(self, ct, out, x):
        return [ew.where(ew.greater(x, 0), ct, const_like(0.0, ct))]

    def partial(self, i, out, x):
        return ew.where(ew.greater(x, 0), const_like(1.0, x), const_like(0.0, x))


class Logsumexp(WeightedReduction):
    """``log(sum(exp(x), axes))`` computed with the maximum shifted out.

    d/dx = exp(x - out) = softmax(x) along the axes.
    """

    name = "logsumexp"
    sparsity = "reduce"

    def result_dtype(self, d):
        return dt.float_result(d)

    def impl(self, x, *, axes, keepdims):
        x = np.asarray(x, dtype=dt.float_result(np.asarray(x).dtype))
        if x.size == 0:
            return np.log(np.sum(np.exp(x), axis=axes, keepdims=keepdims))
        m = np.max(x, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):
            out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        return out if keepdims else np.squeeze(out, axis=axes)

    def weights(self, out, x, axes, keepdims):
        return ew.exp(ew.subtract(x, restore_reduced(out, x.shape, axes, keepdims)))


sigmoid = ew._unary("sigmoid")
softplus = ew._unary("softplus")
relu = ew._unary("relu")


def logsumexp(x, axis=None, keepdims: bool = False) -> Node:
    """``log(sum(exp(x), axis))`` without overflow (scipy.special.logsumexp semantics).

    >>> import symdiff as sd
    >>> sd.logsumexp(sd.matrix("a", (2, 3)), axis=1).shape
    (2,)
    """
    x = as_node(x)
    return OPS["logsumexp"].make(x, axes=normalize_axes("logsumexp", axis, x.ndim), keepdims=keepdims)


def log_softmax(x, axis=-1) -> Node:
    """``x - logsumexp(x, axis, keepdims=True)``: the log of softmax, stable for large inputs."""
    return _log_softmax(x, axis, "log_softmax")


def _log_softmax(x, axis, name):
    x = as_node(x)
    axes = normalize_axes(name, axis, x.ndim)
    lse = OPS["logsumexp"].make(x, axes=axes, keepdims=True)
    # a slice holding +inf has lse = +inf, and x - lse would be NaN only where x is +inf: make the
    # whole slice NaN, as SciPy and JAX give for softmax([inf, -inf, 0]). A select per slice, not per
    # entry; arithmetic such as lse + (lse - lse) would not survive the compiled code's reassociation
    return ew.subtract(x, ew.where(ew.equal(lse, np.inf), np.nan, lse))


def softmax(x, axis=-1) -> Node:
    """``exp(x - logsumexp(x, axis, keepdims=True))``, the normalised exponential along ``axis``.

    >>> import symdiff as sd
    >>> sd.softmax(sd.vector("z", 4)).shape
    (4,)
    """
    return ew.exp(_log_softmax(x, axis, "softmax"))

#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = [
    "log_softmax",
    "logsumexp",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
]

"""Arrays made from nothing but a shape: fill values, identity matrices, sizes.

These have no inputs: ``zeros_like(x)`` depends on ``x``'s shape, not its
value, so it adds no edge to ``x`` and nothing to differentiate.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from ..dims import Dim, check_dim, dims_product
from ..graph import OPS, Node, Op, as_node, constant
from ..shapes import as_shape


class _Source(Op):
    """An op without inputs; derivatives are trivially zero."""

    def vjp(self, ct, out, **params):
        return []

    def jvp(self, ts, out, *, nb=0, **params):
        return None


class Fill(_Source):
    """An array of ``shape`` filled with one ``value`` (zeros, ones, full)."""

    name = "fill"
    dim_params = ("shape",)

    def infer(self, *, shape, value, dtype):
        return shape, dtype

    def impl(self, *, shape, value, dtype):
        return np.full(shape, value, dtype=dtype)

    def label(self, node):
        k = node.kw
        return f"fill{{{k['value']!r}, shape={k['shape']}}}"


class Eye(_Source):
    """The ``n`` x ``m`` identity matrix (ones on diagonal ``k``)."""

    name = "eye"
    dim_params = ("n", "m")

    def infer(self, *, n, m, k, dtype):
        return (n, m), dtype

    def impl(self, *, n, m, k, dtype):
        return np.eye(n, m, k, dtype=dtype)


class SizeOf(_Source):
    """The product of some dimensions as a 0-d number, read at run time when symbolic."""

    name = "size_of"
    dim_params = ("size",)

    def infer(self, *, size, dtype):
        return (), dtype

    def impl(self, *, size, dtype):
        return np.asarray(size, dtype=dtype)


def full(shape, value, dtype=None) -> Node:
    """An array of ``shape`` filled with ``value`` (NumPy ``full``)."""
    shape = as_shape("full", shape)
    if dtype is None:
        dtype = dt.weak_scalar_dtype(value, None)
    dtype = dt.as_dtype(dtype)
    if all(isinstance(d, int) for d in shape) and np.prod(shape, dtype=np.int64) <= 1:
        return constant(np.full(shape, value, dtype=dtype))
    value = np.asarray(value, dtype=dtype).item()
    return OPS["fill"].make(shape=shape, value=value, dtype=dtype)


def zeros(shape, dtype="float64") -> Node:
    """Zeros of ``shape`` (dims may be symbolic)."""
    return full(shape, 0, dtype)


def ones(shape, dtype="float64") -> Node:
    """Ones of ``shape`` (dims may be symbolic)."""
    return full(shape, 1, dtype)


def zeros_like(x, dtype=None) -> Node:
    """Zeros with ``x``'s shape and dtype. Depends on ``x``'s shape only.

    >>> import symdiff as sd
    >>> sd.zeros_like(sd.vector("x", "n")).shape
    ('n',)
    """
    x = as_node(x)
    return full(x.shape, 0, x.dtype if dtype is None else dtype)


def ones_like(x, dtype=None) -> Node:
    """Ones with ``x``'s shape and dtype. Depends on ``x``'s shape only."""
    x = as_node(x)
    return full(x.shape, 1, x.dtype if dtype is None else dtype)


def eye(n: Dim, m: Dim | None = None, k: int = 0, dtype="float64") -> Node:
    """Identity matrix of size ``n`` x ``m`` (``m`` defaults to ``n``); ``n`` may be symbolic.

    >>> import symdiff as sd
    >>> sd.eye("n").shape
    ('n', 'n')
    """
    n = check_dim(n, "eye")
    m = n if m is None else check_dim(m, "eye")
    return OPS["eye"].make(n=n, m=m, k=int(k), dtype=dt.as_dtype(dtype))


def size_of(dims, dtype="float64") -> Node:
    """The product of ``dims`` as a 0-d node: a constant when all are ints."""
    size = dims_product(dims)
    dtype = dt.as_dtype(dtype)
    if isinstance(size, int):
        return constant(np.asarray(size, dtype=dtype))
    return OPS["size_of"].make(size=size, dtype=dtype)

def size(x, axis: int | None = None):
    """``numpy.size``: the number of entries (along ``axis``): an int when known, else an int64 node.

    >>> import symdiff as sd
    >>> sd.size(sd.matrix("A", (2, 3))), sd.size(sd.vector("x", "n")).dtype
    (6, dtype('int64'))
    """
    x = as_node(x)
    if axis is None:
        dims = x.shape
    else:
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool) or not -x.ndim <= axis < max(x.ndim, 1):
            raise ValueError(f"size: axis {axis!r} is out of range for an array of {x.ndim} dimension(s)")
        dims = (x.shape[axis],)
    total = dims_product(dims)
    return total if isinstance(total, int) else size_of(dims, "int64")


#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = [
    "eye",
    "full",
    "ones",
    "ones_like",
    "size",
    "zeros",
    "zeros_like",
]

"""Arrays made from nothing but a shape: fill values, identity matrices, sizes.

These have no inputs: ``zeros_like(x)`` depends on ``x``'s shape, not its
value, so it adds no edge to ``x`` and nothing to differentiate.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from ..dims import Dim, check_dim, dim_sub, dims_product
from ..graph import OPS, Node, Op, as_node, constant
from ..shapes import as_shape


class _Source(Op):
    """An op without inputs; derivatives are trivially zero."""

    sparsity = "none"

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


class Iota(_Source):
    """``0, 1, ..., n - 1`` (``n`` may be symbolic): what ``arange`` and ``linspace`` are made from."""

    name = "iota"
    dim_params = ("n",)

    def infer(self, *, n, dtype):
        return (n,), dtype

    def impl(self, *, n, dtype):
        return np.arange(n, dtype=dtype)


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


def _number(v, what: str):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} must be a number, got {v!r}")
    return v


def arange(start, stop=None, step=1, dtype=None) -> Node:
    """``numpy.arange``: ``start, start + step, ...`` below ``stop``.

    With numbers it is a constant. ``stop`` (or the only argument) may be a symbolic size such as
    ``"n"`` (then ``start`` is an int and ``step`` 1): the length is known when the function is called.

    >>> import symdiff as sd
    >>> sd.arange(3).shape, sd.arange("n").shape, sd.arange(1, "n").shape
    ((3,), ('n',), ('n - 1',))
    """
    if stop is None:
        start, stop = 0, start
    if isinstance(stop, str):
        n = check_dim(stop, "arange")
        if not isinstance(start, (int, np.integer)) or isinstance(start, bool) or step != 1:
            raise TypeError("arange: with a symbolic stop, start must be an int and step 1, "
                            f"got start={start!r}, step={step!r}")
        out_dtype = dt.as_dtype(dtype) if dtype is not None else dt.INT64
        length = dim_sub(n, int(start)) if start else n
        ramp = OPS["iota"].make(n=length, dtype=out_dtype)
        return ramp if not start else ramp + np.asarray(start, dtype=out_dtype)[()]
    values = np.arange(_number(start, "arange: start"), _number(stop, "arange: stop"), _number(step, "arange: step"))
    if dtype is None and values.dtype.kind in "iu":
        values = values.astype(np.int64)
    return constant(values if dtype is None else values.astype(dt.as_dtype(dtype)))


def linspace(start, stop, num=50, endpoint: bool = True, dtype=None) -> Node:
    """``numpy.linspace``: ``num`` evenly spaced values from ``start`` to ``stop``.

    ``num`` may be a symbolic size; ``start`` and ``stop`` may be nodes (the result depends on
    them and differentiates). With ``endpoint`` the last value is ``stop`` exactly, as in NumPy.

    >>> import symdiff as sd
    >>> sd.linspace(0.0, 1.0, 5).shape, sd.linspace(0.0, sd.scalar("b"), "n").shape
    ((5,), ('n',))
    """
    from . import elementwise as ew

    num = check_dim(num, "linspace")
    ends = [v.dtype for v in (start, stop) if isinstance(v, Node)]   # numbers are weakly typed, as NumPy 2
    out_dtype = dt.as_dtype(dtype) if dtype is not None else dt.float_result(*ends) if ends else dt.FLOAT64
    start, stop = as_node(start, out_dtype), as_node(stop, out_dtype)
    i = OPS["iota"].make(n=num, dtype=out_dtype)
    div = size_of((num,), out_dtype)
    if endpoint:
        div = ew.subtract(div, 1.0)
    # one value (num = 1 with the endpoint): just start, as NumPy gives
    step = ew.divide(ew.subtract(stop, start), ew.maximum(div, 1.0))
    out = ew.add(ew.multiply(i, step), start)
    if endpoint:   # NumPy sets the last of two or more values to stop exactly
        last = ew.subtract(size_of((num,), out_dtype), 1.0)
        is_last = ew.logical_and(ew.equal(i, last), ew.greater(last, 0.0))
        out = ew.where(is_last, stop, out)
    return out


#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = [
    "arange",
    "eye",
    "full",
    "linspace",
    "ones",
    "ones_like",
    "size",
    "zeros",
    "zeros_like",
]

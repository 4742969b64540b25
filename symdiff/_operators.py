"""Python operators and methods of Node, forwarding to the NumPy-named functions.

Kept apart from graph.py so the graph module imports no operation; the
functions are looked up when an operator is used.
"""

from __future__ import annotations


def _api():
    from . import numpy_api

    return numpy_api


def __add__(self, other):
    return _api().add(self, other)


def __radd__(self, other):
    return _api().add(other, self)


def __sub__(self, other):
    return _api().subtract(self, other)


def __rsub__(self, other):
    return _api().subtract(other, self)


def __mul__(self, other):
    return _api().multiply(self, other)


def __rmul__(self, other):
    return _api().multiply(other, self)


def __truediv__(self, other):
    return _api().divide(self, other)


def __rtruediv__(self, other):
    return _api().divide(other, self)


def __pow__(self, other):
    return _api().power(self, other)


def __rpow__(self, other):
    return _api().power(other, self)


def __mod__(self, other):
    return _api().mod(self, other)


def __rmod__(self, other):
    return _api().mod(other, self)


def __matmul__(self, other):
    return _api().matmul(self, other)


def __rmatmul__(self, other):
    return _api().matmul(other, self)


def __neg__(self):
    return _api().negative(self)


def __pos__(self):
    return self


def __abs__(self):
    return _api().abs(self)


def __lt__(self, other):
    return _api().less(self, other)


def __le__(self, other):
    return _api().less_equal(self, other)


def __gt__(self, other):
    return _api().greater(self, other)


def __ge__(self, other):
    return _api().greater_equal(self, other)


def __getitem__(self, index):
    return _api().getitem(self, index)


@property
def T(self):
    return _api().transpose(self)


def sum(self, axis=None, keepdims=False):
    return _api().sum(self, axis=axis, keepdims=keepdims)


def mean(self, axis=None, keepdims=False):
    return _api().mean(self, axis=axis, keepdims=keepdims)


def prod(self, axis=None, keepdims=False):
    return _api().prod(self, axis=axis, keepdims=keepdims)


def max(self, axis=None, keepdims=False):
    return _api().max(self, axis=axis, keepdims=keepdims)


def min(self, axis=None, keepdims=False):
    return _api().min(self, axis=axis, keepdims=keepdims)


def reshape(self, *shape):
    if len(shape) == 1:
        shape = shape[0]
    return _api().reshape(self, shape)


def astype(self, dtype):
    return _api().astype(self, dtype)


def dot(self, other):
    return _api().dot(self, other)


@property
def size(self):
    """The number of entries: an int, or an int64 node when the shape is symbolic (``sd.size``)."""
    return _api().size(self)


def __array_function__(self, func, types, args, kwargs):
    """``np.sum(node)``, ``np.dot(A, x)``: the symdiff function of the same name, or a clear error.

    Without this, NumPy would treat a node as an opaque object: ``np.size(x)`` was 1 and
    ``np.atleast_2d(x)`` an object array.
    """
    name = func.__name__
    linalg = (getattr(func, "__module__", "") or "").startswith("numpy.linalg")
    if linalg:   # numpy.linalg.trace reads the last two axes, numpy.trace the first two: same name, own namespace
        from . import linalg as namespace
    else:
        namespace = _api()
    fn = getattr(namespace, name, None)
    where = "linalg." if linalg else ""
    if fn is None or not callable(fn) or isinstance(fn, type):
        raise TypeError(f"numpy.{where}{name} does not take symdiff nodes and symdiff has no sd.{where}{name}; "
                        "build the graph with symdiff's functions")
    if kwargs.get("out", 0) is None:   # NumPy's own default, passed on by some callers
        kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    if "out" in kwargs:
        raise TypeError(f"numpy.{name}(..., out=...) cannot write into an array: a symdiff node has no values")
    return fn(*args, **kwargs)


def __array__(self, dtype=None, copy=None):
    raise TypeError("a symdiff node is not an array: it has no values until the graph is evaluated "
                    "(sd.evaluate, sd.function)")


def _leading_length(self, what: str) -> int:
    """The length of the leading axis, or a TypeError saying why there is none to ``what``."""
    if not self.shape:
        raise TypeError(f"{what} a 0-d node: it has no axis (index it or use it whole)")
    d = self.shape[0]
    if not isinstance(d, int):
        raise TypeError(f"{what} a node whose leading axis has the symbolic length {d!r}: the length is known "
                        "only when the function is called (index it explicitly, or loop with sd.scan)")
    return d


def __len__(self):
    """The length of the leading axis (an int; a TypeError for 0-d nodes and symbolic lengths)."""
    return _leading_length(self, "len() of")


def __iter__(self):
    """``x[0], x[1], ...`` over a leading axis of fixed length (``for row in x``, ``list(x)``, unpacking)."""
    n = _leading_length(self, "cannot iterate over")
    return (self[i] for i in range(n))


def __contains__(self, value):
    raise TypeError("`value in node` would compare nodes by identity, not by value; use sd.any(sd.equal(x, value))")


@property
def at(self):
    """Functional updates, as JAX spells them: ``x.at[index].set(v)``, ``.add``, ``.multiply``, ``.min``,
    ``.max``, ``.get()`` (see ``symdiff.ops.updates``)."""
    from .ops.updates import IndexUpdate

    return IndexUpdate(self)

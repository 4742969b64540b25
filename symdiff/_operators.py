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

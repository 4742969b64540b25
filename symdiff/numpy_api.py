"""The NumPy-named user functions, gathered from the operation modules.

No math lives here: each name is defined next to its operation in ``ops/``.
"""

from __future__ import annotations

from .graph import constant, make_input
from .ops.creation import eye, full, ones, ones_like, zeros, zeros_like
from .ops.elementwise import (
    abs, add, add_n, arccos, arcsin, arctan, astype, cast, clip, cos, cosh, divide, equal, exp,
    expm1, greater, greater_equal, less, less_equal, log, log1p, logical_and, logical_not,
    logical_or, maximum, minimum, multiply, negative, not_equal, power, reciprocal, sign, sin,
    sinh, sqrt, square, subtract, tan, tanh, where,
)
from .ops.indexing import getitem, take, take_along_axis
from .ops.linalg import dot, einsum, matmul, outer, tensordot
from .ops.nn import log_softmax, logsumexp, relu, sigmoid, softmax, softplus
from .ops.reduction import max, mean, min, prod, sum
from .ops.shape import (
    broadcast_to, concatenate, expand_dims, reshape, squeeze, stack, transpose,
)


def scalar(name: str, dtype="float64"):
    """A 0-d input symbol.

    >>> import symdiff as sd
    >>> sd.scalar("x").shape
    ()
    """
    return make_input(name, (), dtype)


def vector(name: str, n, dtype="float64"):
    """A 1-d input symbol of length ``n`` (an int or a symbolic name).

    >>> import symdiff as sd
    >>> sd.vector("x", "n").shape
    ('n',)
    """
    return make_input(name, (n,), dtype)


def matrix(name: str, shape, dtype="float64"):
    """A 2-d input symbol.

    >>> import symdiff as sd
    >>> sd.matrix("A", ("m", 3)).shape
    ('m', 3)
    """
    shape = tuple(shape)
    if len(shape) != 2:
        raise ValueError(f"matrix {name!r}: shape must have 2 dimensions, got {shape}")
    return make_input(name, shape, dtype)


def tensor(name: str, shape, dtype="float64"):
    """An n-d input symbol of any shape."""
    if isinstance(shape, (int, str)):
        shape = (shape,)
    return make_input(name, tuple(shape), dtype)


__all__ = [n for n in dir() if not n.startswith("_") and n not in ("annotations",)]

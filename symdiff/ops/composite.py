"""Everyday NumPy functions built from the primitives: no new operation, so no new rules.

Each function composes existing operations (slices, reductions, reshapes), so its
derivatives of every order and both backends come for free.

>>> import symdiff as sd
>>> x = sd.vector("x", "n")
>>> sd.diff(x).shape, sd.var(x).shape, sd.atleast_2d(x).shape, sd.flip(x).shape
(('n - 1',), (), (1, 'n'), ('n',))
"""

from __future__ import annotations

from ..errors import shape_error
from ..graph import Node, as_node
from ..shapes import normalize_axes
from . import elementwise as ew
from . import reduction as red
from . import shape as shp
from .creation import size_of


def var(x, axis=None, ddof: int = 0, keepdims: bool = False) -> Node:
    """``numpy.var``: the mean squared deviation from the mean over ``axis``, divided by
    ``N - ddof`` instead of ``N`` (``N`` may be symbolic).

    Computed as the mean of squared deviations (two passes), not ``E[x²] - E[x]²``, which
    loses every digit when the mean is large.

    >>> import symdiff as sd
    >>> sd.var(sd.matrix("a", (2, 3)), axis=1).shape
    (2,)
    """
    x = as_node(x)
    if not isinstance(ddof, int) or isinstance(ddof, bool):
        raise TypeError(f"var: ddof must be an int, got {ddof!r}")
    axes = normalize_axes("var", axis, x.ndim)
    dev = ew.subtract(x, red.mean(x, axis=axes, keepdims=True))
    out = red.mean(ew.multiply(dev, dev), axis=axes, keepdims=keepdims)
    if ddof:
        n = size_of(tuple(x.shape[a] for a in axes), out.dtype)
        out = ew.multiply(out, ew.divide(n, ew.subtract(n, float(ddof))))
    return out


def std(x, axis=None, ddof: int = 0, keepdims: bool = False) -> Node:
    """``numpy.std``: ``sqrt(var(x, axis, ddof))``.

    >>> import symdiff as sd
    >>> sd.std(sd.vector("x", 4), ddof=1).shape
    ()
    """
    return ew.sqrt(var(x, axis=axis, ddof=ddof, keepdims=keepdims))


def diff(x, n: int = 1, axis: int = -1) -> Node:
    """``numpy.diff``: ``x[1:] - x[:-1]`` along ``axis``, ``n`` times (a symbolic axis shortens by ``n``).

    >>> import symdiff as sd
    >>> sd.diff(sd.vector("x", 5), n=2).shape
    (3,)
    """
    x = as_node(x)
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"diff: the order n must be an int >= 0, got {n!r}")
    if x.ndim == 0:
        raise shape_error("diff", "requires at least one dimension (a 0-d input has none)")
    (ax,) = normalize_axes("diff", axis, x.ndim)
    head = (slice(None),) * ax
    for _ in range(n):
        x = ew.subtract(x[head + (slice(1, None),)], x[head + (slice(None, -1),)])
    return x


def flip(x, axis=None) -> Node:
    """``numpy.flip``: the entries of ``axis`` (all axes by default) in reverse order.

    >>> import symdiff as sd
    >>> sd.flip(sd.matrix("a", ("m", 3)), axis=0).shape
    ('m', 3)
    """
    x = as_node(x)
    axes = normalize_axes("flip", axis, x.ndim)
    return x[tuple(slice(None, None, -1) if a in axes else slice(None) for a in range(x.ndim))] if axes else x


def atleast_1d(x) -> Node:
    """``numpy.atleast_1d`` for one array: a 0-d input becomes shape ``(1,)``."""
    x = as_node(x)
    return shp.reshape(x, (1,)) if x.ndim == 0 else x


def atleast_2d(x) -> Node:
    """``numpy.atleast_2d`` for one array: ``()`` -> ``(1, 1)``, ``(n,)`` -> ``(1, n)``."""
    x = as_node(x)
    if x.ndim >= 2:
        return x
    return shp.reshape(x, (1, 1)) if x.ndim == 0 else shp.expand_dims(x, 0)


def atleast_3d(x) -> Node:
    """``numpy.atleast_3d`` for one array: ``()`` -> ``(1, 1, 1)``, ``(n,)`` -> ``(1, n, 1)``,
    ``(m, n)`` -> ``(m, n, 1)``."""
    x = as_node(x)
    if x.ndim == 0:
        return shp.reshape(x, (1, 1, 1))
    if x.ndim == 1:
        return shp.expand_dims(x, (0, 2))
    return shp.expand_dims(x, 2) if x.ndim == 2 else x


#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "diff", "flip", "std", "var"]

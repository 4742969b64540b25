"""Everyday NumPy functions built from the primitives: no new operation, so no new rules.

Each function composes existing operations (slices, reductions, reshapes), so its
derivatives of every order and both backends come for free.

>>> import symdiff as sd
>>> x = sd.vector("x", "n")
>>> sd.diff(x).shape, sd.var(x).shape, sd.atleast_2d(x).shape, sd.flip(x).shape
(('n - 1',), (), (1, 'n'), ('n',))
"""

from __future__ import annotations

import numpy as np

from ..dims import dim_mul
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


def _int(v, what: str) -> int:
    if not isinstance(v, (int, np.integer)) or isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{what} must be an int, got {v!r}")
    return int(v)


def roll(x, shift, axis=None) -> Node:
    """``numpy.roll``: entries shifted by ``shift`` along ``axis`` (the flattened array by default),
    those falling off one end coming back at the other.

    Any shift wraps, as in NumPy: on a fixed axis by two slices, on a symbolic axis by a gather whose
    indices ``(arange(n) - shift) % n`` are computed when the length is known.

    >>> import symdiff as sd
    >>> sd.roll(sd.vector("x", 5), 2).shape
    (5,)
    """
    x = as_node(x)
    if axis is None:
        return shp.reshape(roll(shp.reshape(x, (-1,)), shift, 0), x.shape)
    shifts = shift if isinstance(shift, (tuple, list)) else (shift,)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: {len(shifts)} shift(s) for {len(axes)} axis(es)")
    for sh, ax in zip(shifts, axes):
        (ax,) = normalize_axes("roll", ax, x.ndim)
        sh, d = _int(sh, "roll: shift"), x.shape[ax]
        if isinstance(d, int):
            sh = sh % d if d else 0
        if sh == 0:
            continue
        if isinstance(d, int):
            head = (slice(None),) * ax
            x = shp.concatenate([x[head + (slice(-sh, None),)], x[head + (slice(None, -sh),)]], axis=ax)
        else:
            from .creation import arange
            from .indexing import take

            from .special import mod

            n = size_of((d,), "int64")
            source = mod(ew.subtract(arange(d, dtype="int64"), sh), ew.maximum(n, 1))
            x = take(x, source, axis=ax)
    return x


def repeat(x, repeats, axis=None) -> Node:
    """``numpy.repeat`` with one int count: each entry ``repeats`` times in a row along ``axis``
    (the flattened array by default).

    >>> import symdiff as sd
    >>> sd.repeat(sd.vector("x", "n"), 3).shape
    ('3*n',)
    """
    x = as_node(x)
    r = _int(repeats, "repeat: repeats")
    if r < 0:
        raise ValueError(f"repeat: repeats must be >= 0, got {r}")
    if axis is None:
        x, ax = shp.reshape(x, (-1,)), 0
    else:
        (ax,) = normalize_axes("repeat", axis, x.ndim)
    spread = shp.broadcast_to(shp.expand_dims(x, ax + 1), x.shape[:ax + 1] + (r,) + x.shape[ax + 1:])
    return shp.reshape(spread, x.shape[:ax] + (dim_mul(x.shape[ax], r),) + x.shape[ax + 1:])


def tile(x, reps) -> Node:
    """``numpy.tile``: ``x`` repeated ``reps`` times along each axis (an int or a tuple of ints).

    >>> import symdiff as sd
    >>> sd.tile(sd.vector("x", "n"), (2, 3)).shape
    (2, '3*n')
    """
    x = as_node(x)
    reps = tuple(_int(r, "tile: reps") for r in (reps if isinstance(reps, (tuple, list)) else (reps,)))
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be >= 0, got {reps}")
    ndim = max(len(reps), x.ndim)
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - x.ndim) + tuple(x.shape)
    inter = tuple(v for d in shape for v in (1, d))
    wide = tuple(v for r, d in zip(reps, shape) for v in (r, d))
    spread = shp.broadcast_to(shp.reshape(x, inter), wide)
    return shp.reshape(spread, tuple(dim_mul(d, r) for r, d in zip(reps, shape)))


def pad(x, pad_width, mode: str = "constant", constant_values=0) -> Node:
    """``numpy.pad`` with ``mode="constant"``: ``x`` surrounded by ``constant_values``.

    ``pad_width`` is an int, a ``(before, after)`` pair, or one pair per axis, as in NumPy.
    The derivative flows to ``x`` (and to ``constant_values`` when it is a node).

    >>> import symdiff as sd
    >>> sd.pad(sd.matrix("a", ("m", 3)), ((1, 0), (2, 2))).shape
    ('m + 1', 7)
    """
    from .creation import full

    x = as_node(x)
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported, got {mode!r}")
    pw = np.asarray(pad_width)
    if pw.dtype.kind not in "iu" or pw.ndim > 2 or (pw.ndim == 2 and pw.shape != (x.ndim, 2)) \
            or (pw.ndim == 1 and pw.shape not in ((1,), (2,))) or np.any(pw < 0):
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit an array of {x.ndim} dimension(s) "
                         "(an int >= 0, a (before, after) pair, or one pair per axis)")
    widths = np.broadcast_to(pw.reshape(-1)[:2] if pw.ndim < 2 else pw, (x.ndim, 2))
    value = ew.cast(as_node(constant_values, x.dtype), x.dtype)   # NumPy keeps the array's dtype
    for ax in range(x.ndim):
        before, after = (int(w) for w in widths[ax])
        parts = []
        for w in (before, after):
            block = x.shape[:ax] + (w,) + x.shape[ax + 1:]
            parts.append(shp.broadcast_to(value, block) if w else None)
        pieces = [p for p in (parts[0], x, parts[1]) if p is not None]
        if len(pieces) > 1:
            x = shp.concatenate(pieces, axis=ax)
    return x


#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "diff", "flip", "pad", "repeat", "roll", "std", "tile",
           "var"]

"""NumPy's matrix helpers: trace, diagonal, diag, tril, triu, swapaxes, moveaxis, matrix_transpose.

All are compositions of existing operations (a diagonal is an ``einsum`` with a
repeated letter, a triangle is a ``where`` with a mask), so their derivatives
come from those operations' rules.

>>> import numpy as np, symdiff as sd
>>> A = sd.matrix("A", (2, 2))
>>> float(sd.evaluate(sd.trace(A), {A: np.array([[1.0, 2.0], [3.0, 4.0]])}))
5.0
"""

from __future__ import annotations

from ..dims import dim_add, dim_sub, shape_str
from ..errors import shape_error
from ..graph import Node, as_node
from ..shapes import normalize_axis


def swapaxes(x, axis1: int, axis2: int) -> Node:
    """``numpy.swapaxes``: two axes exchanged (a transpose, so it costs nothing in compiled code)."""
    from .shape import transpose

    x = as_node(x)
    a, b = normalize_axis("swapaxes", axis1, x.ndim), normalize_axis("swapaxes", axis2, x.ndim)
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return transpose(x, tuple(axes))


def moveaxis(x, source, destination) -> Node:
    """``numpy.moveaxis``: axes moved to new positions, the others keeping their order."""
    from .shape import transpose

    x = as_node(x)
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} differ in length")
    src = [normalize_axis("moveaxis", a, x.ndim) for a in src]
    dst = [normalize_axis("moveaxis", a, x.ndim) for a in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: repeated axis in source {source!r} or destination {destination!r}")
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, tuple(order))


def matrix_transpose(x) -> Node:
    """``numpy.matrix_transpose``: the last two axes swapped."""
    x = as_node(x)
    if x.ndim < 2:
        raise shape_error("matrix_transpose", f"needs at least 2 dimensions, got shape {shape_str(x.shape)}")
    return swapaxes(x, -1, -2)


def diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Node:
    """``numpy.diagonal``: the diagonal ``offset`` of the ``(axis1, axis2)`` planes, as a new last axis.

    Symbolic sizes work when both axes have the same size (the length is then
    ``n - |offset|``); with fixed sizes any offset works (an empty result past the corner).
    """
    from .contraction import einsum
    from .shape import slice_axis

    a = as_node(a)
    if a.ndim < 2:
        raise shape_error("diagonal", f"needs at least 2 dimensions, got shape {shape_str(a.shape)}")
    offset = int(offset)
    x = moveaxis(a, (axis1, axis2), (-2, -1))
    n, m = x.shape[-2:]
    if isinstance(n, int) and isinstance(m, int):
        length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
    elif n == m:
        length = dim_sub(n, abs(offset))
    else:
        raise shape_error("diagonal", f"axes of sizes {n} and {m}: the diagonal's length is unknown "
                                      "(symbolic sizes need a square plane)")
    r0, c0 = (0, offset) if offset >= 0 else (-offset, 0)
    if length == 0:   # past the corner: an empty slice inside the array
        r0 = c0 = 0
    x = slice_axis(x, x.ndim - 2, r0, dim_add(r0, length))
    x = slice_axis(x, x.ndim - 1, c0, dim_add(c0, length))
    return einsum("...ii->...i", x)


def trace(a, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Node:
    """``numpy.trace``: the sum of ``diagonal(a, offset, axis1, axis2)``."""
    from .reduction import sum as reduce_sum

    return reduce_sum(diagonal(a, offset, axis1, axis2), axis=-1)


def diag(v, k: int = 0) -> Node:
    """``numpy.diag``: a vector placed on diagonal ``k`` of a square matrix, or a matrix's diagonal ``k``."""
    import numpy as np

    from .creation import eye
    from .elementwise import where
    from .shape import expand_dims, pad_axis

    v = as_node(v)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise shape_error("diag", f"input must be 1-d or 2-d, got shape {shape_str(v.shape)}")
    k = int(k)
    # a select, not a product: NaN or inf on the diagonal must leave zeros around it
    out = where(eye(v.shape[0], dtype="bool"), expand_dims(v, 1), np.zeros((), v.dtype)[()])
    if k:
        out = pad_axis(out, 0, 0 if k > 0 else -k, k if k > 0 else 0)
        out = pad_axis(out, 1, k if k > 0 else 0, 0 if k > 0 else -k)
    return out


def _triangle(name: str, m, k: int, lower: bool) -> Node:
    from .decompositions import tri_mask
    from .elementwise import where

    m = as_node(m)
    if m.ndim == 0:
        raise shape_error(name, "input must be at least 1-d, got a 0-d array")
    rows = m.shape[-2] if m.ndim >= 2 else m.shape[-1]
    return where(tri_mask(rows, m.shape[-1], int(k), lower=lower), m, 0)


def tril(m, k: int = 0) -> Node:
    """``numpy.tril``: entries above diagonal ``k`` of the last two axes set to zero."""
    return _triangle("tril", m, k, True)


def triu(m, k: int = 0) -> Node:
    """``numpy.triu``: entries below diagonal ``k`` of the last two axes set to zero."""
    return _triangle("triu", m, k, False)


__all__ = ["diag", "diagonal", "matrix_transpose", "moveaxis", "swapaxes", "trace", "tril", "triu"]

"""Shape rules shared by operations: broadcasting and axis normalisation.

Symbolic dimensions broadcast only against 1 or against the same dimension:
``'n'`` against ``'m'`` is a build-time ShapeError, because the result would
depend on sizes nobody knows yet. (Elementwise operations first unify ``'n'``
meeting a fixed ``5`` into ``5``, checked at call time: ``ops/unify.py``.)
"""

from __future__ import annotations

from typing import Iterable, Sequence

from .dims import Dim, Shape, shape_str
from .errors import shape_error


def broadcast_shapes(op: str, *shapes: Shape) -> Shape:
    """NumPy broadcasting of ``shapes``; ShapeError naming ``op`` on mismatch.

    >>> broadcast_shapes("add", (3, 1), (4,))
    (3, 4)
    >>> broadcast_shapes("add", ("n", 1), (1, "m"))
    ('n', 'm')
    """
    if len(shapes) == 1:
        return tuple(shapes[0])
    ndim = max(len(s) for s in shapes)
    out: list[Dim] = []
    for i in range(ndim):
        dim: Dim = 1
        for s in shapes:
            k = i - (ndim - len(s))
            if k < 0:
                continue
            d = s[k]
            if d == 1 or d == dim:
                continue
            if dim == 1:
                dim = d
                continue
            shown = " and ".join(shape_str(s) for s in shapes)
            raise shape_error(op, f"cannot broadcast shapes {shown}")
        out.append(dim)
    return tuple(out)


def normalize_axis(op: str, axis: int, ndim: int) -> int:
    """A possibly negative axis as a non-negative int, checked against ``ndim``."""
    if isinstance(axis, bool) or not isinstance(axis, int):
        try:
            axis = int(axis.__index__())  # numpy integers
        except AttributeError:
            raise TypeError(f"{op}: axis must be an int, got {axis!r}") from None
    if not -ndim <= axis < ndim:
        raise shape_error(op, f"axis {axis} is out of bounds for an array of dimension {ndim}")
    return axis % ndim


def normalize_axes(op: str, axis, ndim: int) -> tuple[int, ...]:
    """``None | int | tuple`` to a sorted tuple of distinct non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(normalize_axis(op, a, ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise shape_error(op, f"repeated axis in {tuple(axis)}")
        return tuple(sorted(axes))
    return (normalize_axis(op, axis, ndim),)


def reduced_shape(shape: Shape, axes: Iterable[int], keepdims: bool) -> Shape:
    axes = set(axes)
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def as_shape(op: str, shape) -> Shape:
    """A user-given shape (int, str or sequence of them) as a tuple of dims."""
    from .dims import check_dim

    if isinstance(shape, (int, str)) or hasattr(shape, "__index__"):
        shape = (shape,)
    if not isinstance(shape, Sequence):
        raise TypeError(f"{op}: shape must be a tuple of ints and strs, got {shape!r}")
    return tuple(check_dim(d, op) for d in shape)

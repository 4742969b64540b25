"""Small graph-building helpers shared by derivative rules."""

from __future__ import annotations

from ..graph import Node


def lift(t: Node, in_ndim: int, out_ndim: int, nb: int) -> Node:
    """Insert unit axes after ``nb`` batch axes so ``t`` broadcasts like its input.

    A tangent of an input with fewer dimensions than the output has shape
    ``B + x.shape``; right-aligned broadcasting would pair a batch axis with an
    output axis, so the missing axes go between the batch axes and the rest.
    """
    if nb == 0 or in_ndim >= out_ndim:
        return t
    from .shape import reshape

    s = t.shape
    return reshape(t, s[:nb] + (1,) * (out_ndim - in_ndim) + s[nb:])


def keepdims_shape(shape, axes) -> tuple:
    axes = set(axes)
    return tuple(1 if i in axes else d for i, d in enumerate(shape))


def restore_reduced(ct: Node, x_shape, axes, keepdims: bool) -> Node:
    """Reshape a reduction's output (or cotangent) to keepdims form."""
    if keepdims:
        return ct
    from .shape import reshape

    return reshape(ct, keepdims_shape(x_shape, axes))


def batch_axes(axes, nb: int) -> tuple[int, ...]:
    return tuple(a + nb for a in axes)

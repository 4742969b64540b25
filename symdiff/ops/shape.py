"""Shape operations: reshape, transpose, broadcast_to, concatenate, axis slicing.

``expand_dims``, ``squeeze`` and ``stack`` are built from these.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from ..dims import Dim, dim_add, dim_div_exact, dim_sub, dims_product, shape_str
from ..errors import shape_error
from ..graph import OPS, Node, Op, as_node, as_nodes
from ..shapes import as_shape, broadcast_shapes, normalize_axis, normalize_axes
from ._util import lift


class Reshape(Op):
    """Same entries, new shape (C order). Linear: the VJP reshapes back."""

    name = "reshape"
    sparsity = "gather"
    dim_params = ("shape",)

    def infer(self, x, *, shape):
        return shape, x.dtype

    def impl(self, x, *, shape):
        return np.reshape(x, shape)

    def vjp(self, ct, out, x, *, shape):
        return [reshape(ct, x.shape)]

    def jvp(self, ts, out, x, *, shape, nb=0):
        t = ts[0]
        return reshape(t, t.shape[:nb] + shape)


class Transpose(Op):
    """Permute axes. The VJP applies the inverse permutation."""

    name = "transpose"
    sparsity = "gather"

    def infer(self, x, *, axes):
        return tuple(x.shape[a] for a in axes), x.dtype

    def impl(self, x, *, axes):
        return np.transpose(x, axes)

    def vjp(self, ct, out, x, *, axes):
        return [transpose(ct, tuple(int(i) for i in np.argsort(axes)))]

    def jvp(self, ts, out, x, *, axes, nb=0):
        return transpose(ts[0], tuple(range(nb)) + tuple(a + nb for a in axes))


class BroadcastTo(Op):
    """Broadcast to ``shape`` (NumPy rules). The reverse pass sums the cotangent back."""

    name = "broadcast_to"
    sparsity = "gather"
    dim_params = ("shape",)

    def infer(self, x, *, shape):
        got = broadcast_shapes("broadcast_to", x.shape, shape)
        if got != shape:
            raise shape_error("broadcast_to", f"cannot broadcast {shape_str(x.shape)} to {shape_str(shape)}")
        return shape, x.dtype

    def impl(self, x, *, shape):
        return np.broadcast_to(x, shape)

    def vjp(self, ct, out, x, *, shape):
        return [ct]  # the reverse pass reduces it to x.shape

    def jvp(self, ts, out, x, *, shape, nb=0):
        t = lift(ts[0], x.ndim, len(shape), nb)
        return broadcast_to(t, t.shape[:nb] + shape)


class Concatenate(Op):
    """Join arrays along ``axis``. The VJP slices the cotangent back apart."""

    name = "concatenate"
    sparsity = "gather"

    def infer(self, *xs, axis):
        first = xs[0]
        for x in xs[1:]:
            if x.ndim != first.ndim or any(
                a != b for i, (a, b) in enumerate(zip(x.shape, first.shape)) if i != axis
            ):
                shown = ", ".join(shape_str(x.shape) for x in xs)
                raise shape_error("concatenate", f"shapes {shown} differ off axis {axis}")
        size: Dim = 0
        for x in xs:
            size = dim_add(size, x.shape[axis])
        shape = first.shape[:axis] + (size,) + first.shape[axis + 1:]
        return shape, dt.promote(*(x.dtype for x in xs))

    def impl(self, *xs, axis):
        return np.concatenate(xs, axis=axis)

    def vjp(self, ct, out, *xs, axis):
        grads, start = [], 0
        for x in xs:
            stop = dim_add(start, x.shape[axis])
            grads.append(slice_axis(ct, axis, start, stop))
            start = stop
        return grads

    def jvp(self, ts, out, *xs, axis, nb=0):
        from .creation import zeros

        batch = next(t for t in ts if t is not None).shape[:nb]
        parts = [zeros(batch + x.shape, out.dtype) if t is None else t for t, x in zip(ts, xs)]
        return concatenate(parts, axis=axis + nb)


class SliceAxis(Op):
    """``x[..., start:stop, ...]`` along one axis; ``start``/``stop`` may be symbolic."""

    name = "slice_axis"
    sparsity = "gather"
    dim_params = ("start", "stop")

    def infer(self, x, *, axis, start, stop):
        shape = list(x.shape)
        shape[axis] = dim_sub(stop, start)
        return tuple(shape), x.dtype

    def impl(self, x, *, axis, start, stop):
        index = (slice(None),) * axis + (slice(start, stop),)
        return x[index]

    def vjp(self, ct, out, x, *, axis, start, stop):
        return [pad_axis(ct, axis, start, dim_sub(x.shape[axis], stop))]

    def jvp(self, ts, out, x, *, axis, start, stop, nb=0):
        return slice_axis(ts[0], axis + nb, start, stop)


class PadAxis(Op):
    """Zeros before and after ``x`` along one axis (the transpose of slice_axis)."""

    name = "pad_axis"
    sparsity = "gather"
    dim_params = ("before", "after")

    def infer(self, x, *, axis, before, after):
        shape = list(x.shape)
        shape[axis] = dim_add(dim_add(before, x.shape[axis]), after)
        return tuple(shape), x.dtype

    def impl(self, x, *, axis, before, after):
        widths = [(0, 0)] * x.ndim
        widths[axis] = (before, after)
        return np.pad(x, widths)

    def vjp(self, ct, out, x, *, axis, before, after):
        return [slice_axis(ct, axis, before, dim_add(before, x.shape[axis]))]

    def jvp(self, ts, out, x, *, axis, before, after, nb=0):
        return pad_axis(ts[0], axis + nb, before, after)


# ---------------------------------------------------------------- public API


def reshape(x, shape) -> Node:
    """``x`` with a new shape; one entry may be -1; dims may be symbolic.

    >>> import symdiff as sd
    >>> sd.reshape(sd.matrix("a", ("n", 3)), (-1,)).shape
    ('3*n',)
    """
    x = as_node(x)
    if isinstance(shape, (int, str)) or hasattr(shape, "__index__"):
        shape = (shape,)
    shape = tuple(shape)
    total = dims_product(x.shape)
    holes = [i for i, d in enumerate(shape) if isinstance(d, (int, np.integer)) and d == -1]
    if len(holes) > 1:
        raise shape_error("reshape", f"can only specify one unknown dimension in {shape}")
    known = as_shape("reshape", tuple(d for d in shape if not (isinstance(d, (int, np.integer)) and d == -1)))
    if holes:
        rest = dim_div_exact(total, dims_product(known))
        if rest is None:
            raise shape_error("reshape", f"cannot reshape array of shape {shape_str(x.shape)} into shape {shape}")
        known = known[: holes[0]] + (rest,) + known[holes[0]:]
    elif dims_product(known) != total:
        raise shape_error("reshape", f"cannot reshape array of shape {shape_str(x.shape)} into shape {shape_str(known)}")
    if known == x.shape:
        return x
    if x.op is OPS["reshape"]:  # reshape of reshape is one reshape
        x = x.inputs[0]
        if known == x.shape:
            return x
    return OPS["reshape"].make(x, shape=known)


def transpose(x, axes=None) -> Node:
    """Permute the axes (reverse them by default); ``x.T`` is ``transpose(x)``."""
    x = as_node(x)
    if axes is None:
        axes = tuple(range(x.ndim))[::-1]
    else:
        if len(axes) != x.ndim:
            raise shape_error("transpose", f"axes {tuple(axes)} don't match an array of shape {shape_str(x.shape)}")
        axes = tuple(normalize_axis("transpose", a, x.ndim) for a in axes)
        if sorted(axes) != list(range(x.ndim)):
            raise shape_error("transpose", f"axes {axes} are not a permutation")
    if axes == tuple(range(x.ndim)):
        return x
    return OPS["transpose"].make(x, axes=axes)


def broadcast_to(x, shape) -> Node:
    """``x`` broadcast to ``shape`` (NumPy rules; symbolic dims allowed)."""
    x = as_node(x)
    shape = as_shape("broadcast_to", shape)
    if shape == x.shape:
        return x
    return OPS["broadcast_to"].make(x, shape=shape)


def expand_dims(x, axis) -> Node:
    """Insert unit axes at the positions ``axis`` (int or tuple) of the result."""
    x = as_node(x)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    ndim = x.ndim + len(axes)
    axes = normalize_axes("expand_dims", tuple(axes), ndim)
    it = iter(x.shape)
    shape = tuple(1 if i in axes else next(it) for i in range(ndim))
    return reshape(x, shape)


def squeeze(x, axis=None) -> Node:
    """Remove unit axes (all of them, or those in ``axis``, which must have length 1)."""
    x = as_node(x)
    if axis is None:
        symbolic = [(i, d) for i, d in enumerate(x.shape) if isinstance(d, str)]
        if symbolic:   # NumPy would drop it where its size is 1 at the call: the shape would depend on data
            i, d = symbolic[0]
            raise shape_error("squeeze", f"axis {i} has the symbolic size {d!r}, which NumPy would drop when it "
                                         "is 1 at the call; name the axes to squeeze with axis=")
        axes = tuple(i for i, d in enumerate(x.shape) if d == 1)
    else:
        axes = normalize_axes("squeeze", axis, x.ndim)
        for a in axes:
            if x.shape[a] != 1:
                raise shape_error("squeeze", f"cannot select an axis to squeeze out which has size not equal to one (axis {a} of shape {shape_str(x.shape)})")
    return reshape(x, tuple(d for i, d in enumerate(x.shape) if i not in axes))


def concatenate(xs, axis: int = 0) -> Node:
    """Join a sequence of arrays along an existing axis."""
    xs = as_nodes(*xs) if not isinstance(xs, Node) else None
    if not xs:
        raise ValueError("concatenate: need at least one array to concatenate")
    if any(x.ndim == 0 for x in xs):
        raise shape_error("concatenate", "zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis("concatenate", axis, xs[0].ndim)
    if len(xs) == 1:
        return xs[0]
    return OPS["concatenate"].make(*xs, axis=axis)


def stack(xs, axis: int = 0) -> Node:
    """Join a sequence of same-shape arrays along a new axis."""
    xs = as_nodes(*xs) if not isinstance(xs, Node) else None
    if not xs:
        raise ValueError("stack: need at least one array to stack")
    shapes = {x.shape for x in xs}
    if len(shapes) > 1:
        raise shape_error("stack", "all input arrays must have the same shape, got " + ", ".join(shape_str(x.shape) for x in xs))
    axis = normalize_axis("stack", axis, xs[0].ndim + 1)
    return concatenate([expand_dims(x, axis) for x in xs], axis=axis)


def slice_axis(x, axis: int, start: Dim, stop: Dim) -> Node:
    """``x`` restricted to ``start:stop`` along ``axis`` (symbolic bounds allowed)."""
    x = as_node(x)
    if start == 0 and stop == x.shape[axis]:
        return x
    return OPS["slice_axis"].make(x, axis=axis, start=start, stop=stop)


def pad_axis(x, axis: int, before: Dim, after: Dim) -> Node:
    """``x`` with ``before`` zeros ahead and ``after`` zeros behind along ``axis``."""
    x = as_node(x)
    if before == 0 and after == 0:
        return x
    return OPS["pad_axis"].make(x, axis=axis, before=before, after=after)

#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = [
    "broadcast_to",
    "concatenate",
    "expand_dims",
    "reshape",
    "squeeze",
    "stack",
    "transpose",
]

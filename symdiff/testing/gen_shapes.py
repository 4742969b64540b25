"""Fuzz moves: shapes (reshape, transposes, axis moves, broadcast_to, concatenate, stack, tile,
repeat, pad, roll, diff, atleast_nd) and creation (full, zeros, arange, linspace, eye, *_like,
asarray, constants, iteration over a fixed leading axis).

Dimensions are written as text that each library evaluates to its own kind of size: an int, or
``x.shape[k]`` of a value having that (symbolic) dimension.
"""

from __future__ import annotations

import numpy as np

from .generator import Move, fmt


def reshape(g):
    x = g.pick("fib", arith=False)
    if x is None:
        return None
    u, shape = g.rng.random(), list(x.shape)
    if u < 0.3:
        return g.emit(g.choice([f"L.reshape({x}, (-1,))", f"{x}.reshape(-1)"]))
    if u < 0.6 and shape and all(isinstance(d, int) for d in shape):
        n = int(np.prod(shape))
        f = [d for d in range(1, n + 1) if n % d == 0]
        a = g.choice(f)
        new = [a, n // a] if g.rng.random() < 0.5 else [a, -1]
        return g.emit(f"L.reshape({x}, {tuple(new)})")
    if u < 0.8 or not any(d == 1 for d in shape):
        shape.insert(int(g.rng.integers(0, len(shape) + 1)), 1)
    else:
        shape.remove(1)
    return g.emit(f"L.reshape({x}, {g.shape_text(shape)})")


def axes_move(g):
    x = g.pick("fib", lo=1, arith=False)
    if x is None:
        return None
    n, fn = x.ndim, g.choice(["transpose", "T", "swapaxes", "moveaxis", "matrix_transpose", "expand_dims",
                              "squeeze", "flip", "atleast"])
    if fn == "transpose":
        return g.emit(f"L.transpose({x}, {tuple(int(a) for a in g.rng.permutation(n))})")
    if fn == "T":
        return g.emit(f"{x}.T")
    if fn in ("swapaxes", "moveaxis"):
        return g.emit(f"L.{fn}({x}, {g.rand_axis(n)}, {g.rand_axis(n)})")
    if fn == "matrix_transpose":
        return g.emit(f"L.matrix_transpose({x})") if n >= 2 else None
    if fn == "expand_dims":
        return g.emit(f"L.expand_dims({x}, {int(g.rng.integers(-n - 1, n + 1))})")
    if fn == "squeeze":
        ones = [k for k, d in enumerate(x.shape) if d == 1]
        if not ones and not all(isinstance(d, int) for d in x.shape):
            return None   # symdiff refuses: which axes go would depend on the sizes
        return g.emit(f"L.squeeze({x}, {g.choice(ones)})" if ones else f"L.squeeze({x})")
    if fn == "flip":
        return g.emit(f"L.flip({x})" if g.rng.random() < 0.3 else f"L.flip({x}, {g.rand_axis(n)})")
    return g.emit(f"L.atleast_{g.choice([1, 2, 3])}d({x})")


def grow(g):
    """broadcast_to, concatenate, stack, tile, repeat, pad, roll, diff."""
    x = g.pick("fib", arith=False)
    if x is None:
        return None
    fn, n = g.choice(["broadcast_to", "concatenate", "stack", "tile", "repeat", "pad", "roll", "diff"]), x.ndim
    if fn == "broadcast_to":
        dims = [d for v in g.scope.pool for d in v.shape] + [2, 3]
        lead = [g.choice(dims) for _ in range(int(g.rng.integers(0, 2)))]
        shape = lead + [g.choice(dims) if d == 1 and g.rng.random() < 0.7 else d for d in x.shape]
        return g.emit(f"L.broadcast_to({x}, {g.shape_text(shape)})")
    if fn in ("concatenate", "stack"):
        k = g.rand_axis(n + (fn == "stack")) if n or fn == "stack" else None
        if k is None:
            return None
        same = (lambda v: v.shape == x.shape) if fn == "stack" else (
            lambda v: v.ndim == n and all(a == b for i, (a, b) in enumerate(zip(v.shape, x.shape)) if i != k % n))
        others = [g.pick(x.kind, pred=same, arith=False) or x for _ in range(int(g.rng.integers(1, 3)))]
        return g.emit(f"L.{fn}([{', '.join(v.name for v in [x] + others)}], axis={k})")
    if n == 0:
        return None
    k = g.rand_axis(n)
    if fn == "tile":
        return g.emit(f"L.tile({x}, {tuple(int(r) for r in g.rng.integers(1, 3, size=int(g.rng.integers(1, 3))))})")
    if fn == "repeat":
        return g.emit(f"L.repeat({x}, {int(g.rng.integers(1, 4))}{'' if g.rng.random() < 0.3 else f', axis={k}'})")
    if fn == "pad":
        widths = tuple((int(a), int(b)) for a, b in g.rng.integers(0, 3, size=(n, 2)))
        return g.emit(f"L.pad({x}, {widths}, constant_values={fmt(g.rng.uniform(-1, 1))})")
    if fn == "roll":
        if g.rng.random() < 0.2:
            return g.emit(f"L.roll({x}, {int(g.rng.integers(-3, 4))})")
        return g.emit(f"L.roll({x}, {int(g.rng.integers(-g.dim_min(x.shape[k]), g.dim_min(x.shape[k]) + 1))}, "
                      f"axis={k})")
    order = int(g.rng.integers(1, 3))
    return g.emit(f"L.diff({x}, n={order}, axis={k})") if g.dim_min(x.shape[k]) > order else None


def create(g):
    fn = g.choice(["full", "zeros", "arange", "linspace", "eye", "like", "asarray", "rows", "constant"])
    dims = [d for v in g.scope.pool for d in v.shape] + [2, 3]
    if fn in ("full", "zeros"):
        shape = g.shape_text([g.choice(dims) for _ in range(int(g.rng.integers(0, 3)))])
        if fn == "zeros":
            return g.emit(f"L.{g.choice(['zeros', 'ones'])}({shape})", fl=False)
        return g.emit(f"L.full({shape}, {fmt(g.rng.uniform(-2, 2))})", fl=False)
    if fn == "constant":
        shape = tuple(int(d) for d in g.rng.integers(1, 4, size=int(g.rng.integers(0, 3))))
        return g.emit(f"L.constant({g.const(shape, g.choice(['float64', 'float32']))})", fl=False)
    if fn == "arange":
        return g.emit(f"L.arange({g.dim_text(g.choice(dims))})", fl=False)
    if fn == "eye":
        return g.emit(f"L.eye({g.dim_text(g.choice(dims))})", fl=False)
    if fn == "linspace":
        a, b = g.pick("f", hi=0), g.pick("f", hi=0)
        ends = [v.name if v is not None else fmt(g.rng.uniform(-2, 2)) for v in (a, b)]
        return g.emit(f"L.linspace({ends[0]}, {ends[1]}, {g.dim_text(g.choice(dims))})")
    x = g.pick("fib", arith=False)
    if x is None:
        return None
    if fn == "like":
        return g.emit(f"L.{g.choice(['zeros_like', 'ones_like'])}({x})", fl=False)
    if fn == "rows":
        if not x.ndim or not isinstance(x.shape[0], int):
            return None
        return g.emit(f"L.stack([r * {fmt(g.rng.uniform(0.5, 2))} for r in {x}][::-1])"
                      if x.kind == "f" else f"L.stack(list({x})[::-1])")
    scalars = [g.pick("f", hi=0) for _ in range(3)]
    names = [s.name if s is not None else fmt(g.rng.uniform(-1, 1)) for s in scalars]
    return g.emit(f"L.asarray([{names[0]}, {names[1]}, {names[2]}])" if g.rng.random() < 0.5 else
                  f"L.asarray([[{names[0]}, {names[1]}], [{names[2]}, {names[0]}]])")


MOVES = [Move(reshape, 1.0), Move(axes_move, 1.5), Move(grow, 1.5), Move(create, 0.8)]

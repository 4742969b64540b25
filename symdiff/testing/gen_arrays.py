"""Fuzz moves: reductions, running sums, sorting, indexing and ``x.at[...]`` updates.

Ties matter to ``max``, ``min``, ``sort``, ``argsort`` and ``argmax``: when the values along an
axis are not ``MARGIN`` apart, a tie-breaking term ``c_k * cumsum(ones_like(x), axis=k)`` (one
incommensurate ``c_k`` per axis) is added first, so both backends, NumPy and JAX pick the same
entries and finite differences do not straddle a tie.
"""

from __future__ import annotations

import numpy as np

from .generator import LIMIT, MARGIN, Move, fmt
from .program import broadcastable

JITTER = (0.0731, 0.1187, 0.0453)


def axis_kw(g, ndim: int, single: bool = False):
    """``(text, axes)``: '' and None (all axes), 'axis=k' or 'axis=(i, j)'; keepdims sometimes."""
    u = g.rng.random()
    if ndim == 0 or (u < 0.25 and not single):
        text, axes = "", tuple(range(ndim))
    elif u < 0.75 or ndim < 2 or single:
        k = g.rand_axis(ndim)
        text, axes = f"axis={k}", (k % ndim,)
    else:
        i, j = (int(a) for a in g.rng.choice(ndim, 2, replace=False))
        text, axes = f"axis=({i}, {j - ndim if g.rng.random() < 0.3 else j})", (i, j)
    return text, axes


def _rows(v, axes):
    """``v`` with ``axes`` moved last and flattened: shape (rest, N)."""
    v = np.moveaxis(np.asarray(v), axes, range(-len(axes), 0)) if axes else np.asarray(v)[..., None]
    n = int(np.prod([v.shape[a] for a in range(v.ndim - len(axes), v.ndim)], dtype=np.int64)) if axes else 1
    return v.reshape(-1, n)


def gaps_ok(vals, axes, top_only: bool) -> bool:
    for v in vals:
        r = np.sort(_rows(v, axes), axis=1)
        if r.shape[1] < 2 or r.shape[0] == 0:
            continue
        d = np.diff(r, axis=1)
        if (min(d[:, 0].min(), d[:, -1].min()) if top_only else d.min()) <= MARGIN:
            return False
    return True


def untied(g, x, axes, top_only: bool):
    """Text of ``x``, with a tie-breaking term when entries along ``axes`` are too close; or None."""
    if x.kind != "f":
        return x.name
    if not g.scope.exact:     # a loop body: the values of later steps are unknown
        return None
    if gaps_ok(x.vals, axes, top_only):
        return x.name
    terms, vals = [], [np.asarray(v, dtype=np.float64) for v in x.vals]
    for n, k in enumerate(axes):
        terms.append(f"{fmt(JITTER[n % 3])} * L.cumsum(L.ones_like({x}), axis={k})")
        vals = [v + JITTER[n % 3] * np.cumsum(np.ones_like(v), axis=k) for v in vals]
    return f"({x} + {' + '.join(terms)})" if gaps_ok(vals, axes, top_only) else None


def _count(g, x, axes):
    return max(int(np.prod([v.shape[a] for a in axes], dtype=np.int64)) for v in x.vals) if axes else 1


def reduce(g):
    fn = g.choice(["sum", "mean", "prod", "max", "min", "logsumexp", "var", "std", "any", "all"])
    kinds = {"any": "b", "all": "b", "sum": "fib", "max": "fi", "min": "fi", "prod": "fi"}.get(fn, "fi")
    x = g.pick(kinds, hi=3, arith=fn in ("mean", "logsumexp", "var", "std"))
    if x is None:
        return None
    kw, axes = axis_kw(g, x.ndim)
    kw += ", keepdims=True" if g.rng.random() < 0.3 and x.ndim else ""
    xt = x.name
    if fn in ("max", "min"):
        xt = untied(g, x, axes, True)
    elif fn == "prod" and x.kind == "f":
        x = g.squash(x, min(2.0, LIMIT ** (1.0 / max(1, _count(g, x, axes))) * 0.9))
        xt = x and x.name
    elif fn in ("var", "std"):
        ddof = int(g.rng.integers(0, 2)) if _count(g, x, axes) > 1 else 0
        if fn == "std" and (not g.scope.exact or any(
                np.min(np.var(_rows(v, axes), axis=1, ddof=ddof), initial=1.0) < 0.01 for v in x.vals)):
            return None   # sqrt's kink at 0
        kw += f", ddof={ddof}" if ddof else ""
    if xt is None:
        return None
    kw = kw.lstrip(", ")
    if fn in ("sum", "mean", "max", "min", "prod") and g.rng.random() < 0.3:
        return g.emit(f"{xt}.{fn}({kw})")
    return g.emit(f"L.{fn}({xt}{', ' if kw else ''}{kw})")


def running(g):
    fn = g.choice(["cumsum", "cumprod", "softmax", "log_softmax"])
    x = g.pick("fib" if fn.startswith("cum") else "fi", lo=0 if fn.startswith("cum") else 1, hi=3,
               arith=not fn.startswith("cum"))
    if x is None:
        return None
    if fn.startswith("cum") and (x.ndim == 0 or g.rng.random() < 0.25):
        kw, axes = "", tuple(range(x.ndim))
    else:
        k = g.rand_axis(x.ndim)
        kw, axes = f", axis={k}", (k % x.ndim,)
    if fn == "cumprod" and x.kind == "f":
        x = g.squash(x, min(2.0, LIMIT ** (1.0 / max(1, _count(g, x, axes))) * 0.9))
    return x and g.emit(f"L.{fn}({x}{kw})")


def sorting(g):
    fn = g.choice(["sort", "argsort", "argmax", "argmin"])
    x = g.pick("fi", lo=0 if fn.startswith("argm") else 1, hi=3, arith=False)
    if x is None:
        return None
    flat = g.rng.random() < 0.2 or x.ndim == 0
    k = None if flat else g.rand_axis(x.ndim)
    axes = tuple(range(x.ndim)) if flat else (k % x.ndim,)
    xt = untied(g, x, axes, fn.startswith("argm"))
    if xt is None:
        return None
    if fn in ("sort", "argsort"):
        out = g.emit(f"L.{fn}({xt}, axis={k})")
    else:
        keep = not flat and g.rng.random() < 0.5
        out = g.emit(f"L.{fn}({xt}{'' if flat else f', axis={k}'}{', keepdims=True' if keep else ''})")
        if out is None or not keep:
            return out
    if out is None or out.kind != "i" or flat or g.rng.random() < 0.4:
        return out
    y = g.pick("fi", pred=lambda v: v.shape == x.shape, arith=False) or x
    return g.emit(f"L.take_along_axis({y}, {out}, axis={k})")


def index_items(g, shape, basic_only: bool = False) -> list:
    """Index items for the leading axes of ``shape`` (never an empty result)."""
    items = []
    for d in shape[: int(g.rng.integers(1, len(shape) + 1))]:
        m, u = g.dim_min(d), g.rng.random()
        if u < 0.3:
            items.append(":")
        elif u < 0.55:
            i = int(g.rng.integers(-m, m))
            items.append(str(i))
        elif isinstance(d, int):
            while True:
                s = slice(*[None if g.rng.random() < 0.4 else int(g.rng.integers(-d, d + 1)) for _ in range(2)],
                          g.choice([None, 1, 2, -1, -2]))
                if len(range(d)[s]) >= 1:
                    break
            items.append(":".join("" if p is None else str(p) for p in (s.start, s.stop, s.step)))
        else:
            items.append(g.choice(["1:", ":-1", "::-1"] + (["1:-1", ":2", "-2:"] if m >= 3 else [])))
    if not basic_only and g.rng.random() < 0.2:
        items.insert(int(g.rng.integers(0, len(items) + 1)), "None")
    return items


def getitem(g):
    x = g.pick("fib", arith=False)
    if x is None:
        return None
    if x.ndim == 0:
        return g.emit(f"{x}[{g.choice(['None', '...', 'None, None'])}]")
    items = index_items(g, x.shape)
    if g.rng.random() < 0.15:
        items = ["...", index_items(g, x.shape[-1:], basic_only=True)[0]]
    return g.emit(f"{x}[{', '.join(items)}]")


def take(g):
    x = g.pick("fib", lo=1, arith=False)
    if x is None:
        return None
    flat = g.rng.random() < 0.25
    k = None if flat else g.rand_axis(x.ndim)
    m = min(int(np.size(v)) for v in x.vals) if flat else g.dim_min(x.shape[k])
    ints = g.pick("i", lo=1, hi=2, arith=False, pred=lambda v: all(
        np.size(iv) and np.min(iv) >= -m and np.max(iv) < m for iv in v.vals))
    if ints is not None and g.rng.random() < 0.6:
        idx = ints.name
    elif g.rng.random() < 0.2:
        idx = str(int(g.rng.integers(-m, m)))
    else:
        idx = f"np.array({g.rng.integers(-m, m, size=int(g.rng.integers(1, 5))).tolist()})"
    return g.emit(f"L.take({x}, {idx}{'' if flat else f', axis={k}'})")


def update(g):
    """``x.at[index].set/add/multiply/min/max(v)`` and ``.get()``."""
    x = g.pick("f", lo=1, hi=3)
    if x is None:
        return None
    method = g.choice(["set", "add", "multiply", "min", "max", "get", "add_repeated"])
    if method == "add_repeated":
        m = g.dim_min(x.shape[0])
        idx, method = f"np.array({g.rng.integers(-m, m, size=int(g.rng.integers(2, 5))).tolist()})", "add"
    else:
        idx = ", ".join(index_items(g, x.shape, basic_only=True))
    if method == "get":
        return g.emit(f"L.at({x})[{idx}].get()")
    try:
        shape = eval(f"{x}[{idx}]", g.scope.sd_env).shape
        target = [np.asarray(eval(f"{x}[{idx}]", env)) for env in g.scope.np_envs]
    except Exception:  # noqa: BLE001
        return None
    v = g.pick("f", hi=len(shape), pred=lambda v: v is not x and broadcastable(v.shape, shape) and all(
        a == b or a == 1 for a, b in zip(reversed(v.shape), reversed(shape))))
    vt, vv = (v.name, v.vals) if v is not None else (fmt(g.rng.uniform(-1.5, 1.5)),) * 2
    if method in ("min", "max"):
        vals = vv if v is not None else [float(vt)] * 2
        if not g.scope.exact or min(float(np.min(np.abs(t - np.asarray(a, dtype=np.float64)), initial=np.inf))
                                    for t, a in zip(target, vals)) <= MARGIN:
            return None
    return g.emit(f"L.at({x})[{idx}].{method}({vt})")


MOVES = [
    Move(reduce, 3.0), Move(running, 1.2), Move(sorting, 1.0, exact=True), Move(getitem, 2.0), Move(take, 1.0),
    Move(update, 1.0),
]

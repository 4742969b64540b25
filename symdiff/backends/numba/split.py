"""Index-set splitting: run the common range of a guarded loop without its guards.

A nest whose statements test guards ``lo <= i + c < hi`` on one loop axis (the
pieces of a pad, a shifted slice's adjoint, a concatenation, or a root over a
smaller domain) is cut at the guards' bounds into ranges on which every such
guard is known. Each long range (symbolic length, or at least ``LONG``
iterations) gets its own copy of the loop body with those guards replaced by
constants, so it runs with no test and vectorises; the short ranges at the
edges run the general body, which keeps its tests.

Bounds are sorted for large sizes; when the order is not certain for every
size (``n - 1`` against ``m``), the generated code checks it at run time and
falls back to the general body over the whole axis, so every size is right.

For Rosenbrock's gradient over ``n`` entries (pieces valid on ``[0, n-1)``
and ``[1, n)``) this gives ``[1, n-1)`` without tests and the two edge
iterations through the general body.
"""

from __future__ import annotations

import functools
import re
import zlib

from ...dims import check_dim, dim_sub
from .. import loops as ir

#: a range of at least this many iterations gets a specialised copy of the loop body
LONG = 16
#: at most this many specialised copies per nest (code size and compile time)
MAX_COPIES = 6


def render_nest(root, dom: tuple, pe) -> list:
    """The statements of a nest (``root``: its root scope), split along its innermost guarded axis."""
    r = len(dom)
    axis = _split_axis(root, r)

    def levels(L: int) -> list:
        out = list(root.pre[L])
        if L < r:
            inner = levels(L + 1)
            if L == axis:
                out += _split_loop(L, dom[L], inner, pe)
            else:
                out.append(ir.For(ir.Idx(L), ir.Const(0), ir.dim_expr(dom[L]), inner))
        return out + root.post[L]

    return levels(0)


# ------------------------------------------------------------------ guards

def _guards(stmts):
    """Every Guard in the conditions of ``If`` statements (iterative walk)."""
    stack = list(stmts)
    while stack:
        s = stack.pop()
        if isinstance(s, ir.If):
            for e in ir.walk(s.cond):
                if isinstance(e, ir.Guard):
                    yield e
            stack.extend(s.body)
            stack.extend(s.orelse)
        elif isinstance(s, (ir.For, ir.While)):
            stack.extend(s.body)


def _interval(g: ir.Guard, axis: int):
    """The range ``[a, b)`` of loop index ``axis`` on which the guard holds, or None."""
    if ir.loop_axes(g.lo) or ir.loop_axes(g.hi):
        return None
    aff = ir.affine_in(g.entry, axis)
    if aff is None:
        return None
    coef, off = aff
    if coef == 1:
        return ir.binop("-", g.lo, off), ir.binop("-", g.hi, off)
    return ir.binop("+", ir.binop("-", off, g.hi), 1), ir.binop("+", ir.binop("-", off, g.lo), 1)


def _split_axis(root, r: int):
    stmts = [s for L in range(r + 1) for s in root.pre[L] + root.post[L]]
    axes = [a for g in _guards(stmts) for a in range(r) if _interval(g, a) is not None]
    return max(axes) if axes else None


# ------------------------------------------------------------------ symbolic order of bounds

def _dim_text(e: ir.Expr) -> str | int:
    """A bound as a canonical dimension (``"n"`` for ``1 + (n - 1)``), so equal bounds compare equal."""
    if isinstance(e, ir.Const) and e.dtype is None:
        return int(e.value)
    return check_dim(_NamePrinter().expr(e), "loop bound")


class _NamePrinter(ir.ExprPrinter):
    def dim(self, name):
        return name


@functools.lru_cache(maxsize=4096)
def _generic(text) -> int:
    """The value of a bound for large sizes, each name its own (the order the code is laid out for).

    Only the layout depends on it: the generated code checks the order at run
    time and falls back to the general body when it does not hold.
    """
    if isinstance(text, int):
        return text
    env = {name: 1_000_003 + 7_919 * (zlib.crc32(name.encode()) % 10_007)
           for name in set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))}
    return int(eval(text, {"__builtins__": {}}, env))


@functools.lru_cache(maxsize=4096)
def _certainly_le(a, b) -> bool:
    """``a <= b`` for every size: the difference is a polynomial with nonnegative coefficients."""
    d = dim_sub(b, a) if not (isinstance(a, int) and isinstance(b, int)) else b - a
    if isinstance(d, int):
        return d >= 0
    import sympy  # only for symbolic bounds; dims.py has imported it already

    expr = sympy.sympify(d)
    return all(c >= 0 for c in sympy.Poly(expr, *sorted(expr.free_symbols, key=str)).coeffs())


def _length(a, b):
    """``b - a``: an int, or None when it depends on the sizes."""
    d = dim_sub(b, a) if not (isinstance(a, int) and isinstance(b, int)) else b - a
    return d if isinstance(d, int) else None


# ------------------------------------------------------------------ the split loop

def _split_loop(axis: int, size, body: list, pe) -> list:
    guards = {g: _interval(g, axis) for g in _guards(body)}
    guards = {g: iv for g, iv in guards.items() if iv is not None}
    N = ir.dim_expr(size)
    points = {_dim_text(ir.Const(0)): ir.Const(0), _dim_text(N): N}
    for a, b in guards.values():
        for p in (a, b):
            points.setdefault(_dim_text(p), p)
    top = _generic(_dim_text(N))
    cuts = sorted(points, key=_generic)
    certain = all(_certainly_le(a, b) for a, b in zip(cuts, cuts[1:]))
    loop_var = ir.Idx(axis)
    ok = None
    out: list = []
    if not certain:
        ok = ir.Var(pe.fresh("ordered"))
        out.append(ir.Assign(ok, ir.Call("all_le", tuple(points[t] for t in cuts))))
    long_segments, short_segments = [], []
    for a, b in zip(cuts, cuts[1:]):
        if _generic(a) < 0 or _generic(b) > top:
            continue  # outside the loop (guards lie within it; the order check covers the rest)
        length = _length(a, b)
        (long_segments if length is None or length >= LONG else short_segments).append((a, b))
    if len(long_segments) > MAX_COPIES:
        short_segments, long_segments = short_segments + long_segments, []
    for a, b in long_segments:
        lo, hi = points[a], points[b]
        truth = {g: _truth(iv, a, b) for g, iv in guards.items()}
        copy = ir.share_common(specialise(body, truth))
        if ok is not None:
            lo, hi = ir.Select(ok, lo, ir.Const(0)), ir.Select(ok, hi, ir.Const(0))
        out.append(ir.Comment(f"range [{lo}, {hi}) of axis {axis}: guards resolved"))
        out.append(ir.For(loop_var, lo, hi, copy))
    if not short_segments and ok is None:
        return out
    # the short ranges (or, when the bounds are out of order, the whole axis) through the general body
    q = ir.Var(pe.fresh("q"))
    los = [points[a] for a, _ in short_segments]
    his = [points[b] for _, b in short_segments]
    lo, hi = _pick(q, los), _pick(q, his)
    count = ir.Const(len(short_segments))
    if ok is not None:
        count = ir.Select(ok, count, ir.Const(1))
        lo, hi = ir.Select(ok, lo, ir.Const(0)), ir.Select(ok, hi, N)
    out.append(ir.Comment(f"edges of axis {axis}: guards tested"))
    out.append(ir.For(q, ir.Const(0), count, [ir.For(loop_var, lo, hi, body)]))
    return out


def _pick(q, values):
    if not values:
        return ir.Const(0)
    out = values[-1]
    for k in range(len(values) - 2, -1, -1):
        out = ir.Select(ir.cmp("==", q, ir.Const(k)), values[k], out)
    return out


def _truth(interval, a, b) -> bool:
    lo, hi = (_generic(_dim_text(e)) for e in interval)
    return lo <= _generic(a) and _generic(b) <= hi


# ------------------------------------------------------------------ specialisation

def specialise(stmts: list, truth: dict) -> list:
    """A copy of ``stmts`` with the guards in ``truth`` replaced by constants and dead branches removed."""
    out = []
    for s in stmts:
        if isinstance(s, ir.If):
            cond = _resolve(s.cond, truth)
            if cond == ir.Const(True, "bool"):
                out += specialise(s.body, truth)
            elif cond == ir.Const(False, "bool"):
                out += specialise(s.orelse, truth)
            else:
                out.append(ir.If(cond, specialise(s.body, truth), specialise(s.orelse, truth)))
        elif isinstance(s, ir.For):
            out.append(ir.For(s.var, s.start, s.stop, specialise(s.body, truth)))
        elif isinstance(s, ir.While):
            out.append(ir.While(s.cond, specialise(s.body, truth)))
        else:
            out.append(s)
    return out


def _resolve(cond: ir.Expr, truth: dict) -> ir.Expr:
    if isinstance(cond, ir.Guard) and cond in truth:
        return ir.Const(truth[cond], "bool")
    if isinstance(cond, ir.Bin) and cond.op == "and":
        a, b = _resolve(cond.a, truth), _resolve(cond.b, truth)
        t, f = ir.Const(True, "bool"), ir.Const(False, "bool")
        if a == f or b == f:
            return f
        if a == t:
            return b
        if b == t:
            return a
        return ir.Bin("and", a, b)
    return cond

"""Walks and questions over expressions: loop axes, levels, affine forms, substitution."""

from __future__ import annotations

from typing import Iterator, Sequence

from .expr import Bin, Call, Cast, Const, Expr, Guard, Idx, Load, Select, Un, binop, is_index


def children(e: Expr) -> tuple:
    if isinstance(e, (Bin,)):
        return (e.a, e.b)
    if isinstance(e, (Un, Cast)):
        return (e.a,)
    if isinstance(e, Call):
        return tuple(a for a in e.args if isinstance(a, Expr))
    if isinstance(e, Select):
        return (e.cond, e.a, e.b)
    if isinstance(e, Load):
        return e.index
    if isinstance(e, Guard):
        return (e.entry, e.lo, e.hi)
    return ()


def walk(e: Expr) -> Iterator[Expr]:
    stack = [e]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(children(x))


def loop_axes(e: Expr) -> frozenset:
    """The loop axes an expression depends on."""
    return frozenset(x.axis for x in walk(e) if isinstance(x, Idx))


def level_of(index: Sequence[Expr]) -> int:
    """The loop depth at which an expression over ``index`` can be computed (1 + deepest axis)."""
    axes = [a for e in index for a in loop_axes(e)]
    return max(axes) + 1 if axes else 0


def affine_in(e: Expr, axis: int):
    """``(coef, offset)`` with ``e == coef * Idx(axis) + offset`` (coef +-1, offset free of loops), else None."""
    if e == Idx(axis):
        return 1, Const(0)
    if isinstance(e, Bin) and e.op in ("+", "-"):
        ra = affine_in(e.a, axis)
        if ra and not loop_axes(e.b):        # (c*i + off) +- b
            return ra[0], binop(e.op, ra[1], e.b)
        rb = affine_in(e.b, axis)
        if rb and not loop_axes(e.a):        # a +- (c*i + off)
            return (rb[0], binop("+", e.a, rb[1])) if e.op == "+" else (-rb[0], binop("-", e.a, rb[1]))
    return None


def substitute(e: Expr, mapping: dict) -> Expr:
    """``e`` with sub-expressions replaced (keys and values are expressions)."""
    if e in mapping:
        return mapping[e]
    if isinstance(e, Bin):
        a, b = substitute(e.a, mapping), substitute(e.b, mapping)
        return binop(e.op, a, b) if e.op in ("+", "-", "*") and is_index(a) and is_index(b) else Bin(e.op, a, b)
    if isinstance(e, Un):
        return Un(e.op, substitute(e.a, mapping))
    if isinstance(e, Cast):
        return Cast(substitute(e.a, mapping), e.src, e.dst)
    if isinstance(e, Call):
        return Call(e.fn, tuple(substitute(a, mapping) if isinstance(a, Expr) else a for a in e.args), e.dtype)
    if isinstance(e, Select):
        return Select(substitute(e.cond, mapping), substitute(e.a, mapping), substitute(e.b, mapping))
    if isinstance(e, Load):
        return Load(e.array, tuple(substitute(x, mapping) for x in e.index))
    if isinstance(e, Guard):
        return Guard(substitute(e.entry, mapping), substitute(e.lo, mapping), substitute(e.hi, mapping))
    return e

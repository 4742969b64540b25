"""Expressions of the loop IR: immutable, compared by value, integer constants folded.

Arithmetic on expressions folds integer constants, which keeps index
expressions short::

    >>> from symdiff.backends.loops import Idx, dim_expr
    >>> i = Idx(0)
    >>> str(i + 0), str((i + 1) - 1), str(dim_expr("n - 1") - i)
    ('i0', 'i0', '(d_n - 1) - i0')
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

import numpy as np


class Expr:
    """Base of expressions. ``+ - * // %`` and unary ``-`` build :class:`Bin` / :class:`Un`."""

    __slots__ = ()

    def __add__(self, o):
        return binop("+", self, o)

    def __radd__(self, o):
        return binop("+", o, self)

    def __sub__(self, o):
        return binop("-", self, o)

    def __rsub__(self, o):
        return binop("-", o, self)

    def __mul__(self, o):
        return binop("*", self, o)

    def __rmul__(self, o):
        return binop("*", o, self)

    def __floordiv__(self, o):
        return binop("//", self, o)

    def __mod__(self, o):
        return binop("%", self, o)

    def __neg__(self):
        return binop("-", 0, self) if is_index(self) else Un("-", self)

    def __str__(self):
        from .text import ExprPrinter

        return ExprPrinter().expr(self)

    def __repr__(self):
        return f"<{type(self).__name__} {self}>"


@dataclass(frozen=True, eq=True, repr=False)
class Const(Expr):
    """A literal. ``dtype`` None: an index integer (Python int); else a NumPy dtype name."""

    value: object
    dtype: str | None = None


@dataclass(frozen=True, eq=True, repr=False)
class Var(Expr):
    """A local variable: a scalar, an array parameter, a buffer."""

    name: str


@dataclass(frozen=True, eq=True, repr=False)
class Idx(Expr):
    """The index of loop axis ``axis`` of the current loop nest."""

    axis: int


@dataclass(frozen=True, eq=True, repr=False)
class Dim(Expr):
    """A symbolic size bound at call time (``"n"``)."""

    name: str


@dataclass(frozen=True, eq=True, repr=False)
class Bin(Expr):
    """``a op b``: arithmetic, comparison (``<`` ...), bitwise ``&``/``|``."""

    op: str
    a: Expr
    b: Expr


@dataclass(frozen=True, eq=True, repr=False)
class Un(Expr):
    """``-a``, ``not a``."""

    op: str
    a: Expr


@dataclass(frozen=True, eq=True, repr=False)
class Call(Expr):
    """An abstract function of scalars (``exp``, ``log1p``, ``min``, ``wrap_index``) or arrays (``reshape``)."""

    fn: str
    args: tuple
    dtype: str | None = None


@dataclass(frozen=True, eq=True, repr=False)
class Select(Expr):
    """``a if cond else b`` (both sides may be evaluated)."""

    cond: Expr
    a: Expr
    b: Expr


@dataclass(frozen=True, eq=True, repr=False)
class Load(Expr):
    """``array[index]`` (an empty index reads a 0-d value held in a variable)."""

    array: str
    index: tuple


@dataclass(frozen=True, eq=True, repr=False)
class Cast(Expr):
    """``a`` (of dtype ``src``) converted to ``dst`` as NumPy's ``astype`` does."""

    a: Expr
    src: str
    dst: str


@dataclass(frozen=True, eq=True, repr=False)
class Guard(Expr):
    """``lo <= entry < hi``: the condition under which a piece of data exists.

    Guards are what index-set splitting looks for: where ``entry`` is a loop
    index plus an offset, the emitter cuts the loop into ranges on which the
    guard is known, so the common range runs without any test.
    """

    entry: Expr
    lo: Expr
    hi: Expr


# ------------------------------------------------------------------ construction helpers

def as_expr(v) -> Expr:
    if isinstance(v, Expr):
        return v
    if isinstance(v, (bool, np.bool_)):
        return Const(bool(v), "bool")
    if isinstance(v, (int, np.integer)):
        return Const(int(v))
    raise TypeError(f"not an expression: {v!r}")


def is_index(e: Expr) -> bool:
    """True for integer index arithmetic (loop indices, sizes, index constants)."""
    if isinstance(e, (Idx, Dim)):
        return True
    if isinstance(e, Const):
        return e.dtype is None
    if isinstance(e, Bin):
        return e.op in ("+", "-", "*", "//", "%") and is_index(e.a) and is_index(e.b)
    return False


def binop(op: str, a, b) -> Expr:
    """``a op b``, folding integer constants and the identities of index arithmetic."""
    a, b = as_expr(a), as_expr(b)
    ca = a.value if isinstance(a, Const) and a.dtype is None else None
    cb = b.value if isinstance(b, Const) and b.dtype is None else None
    if ca is not None and cb is not None:
        return Const({"+": ca + cb, "-": ca - cb, "*": ca * cb,
                      "//": ca // cb if cb else None, "%": ca % cb if cb else None}[op]) \
            if op in ("+", "-", "*") or cb else Bin(op, a, b)
    if op == "+":
        if cb == 0:
            return a
        if ca == 0:
            return b
        if ca is not None:  # constants on the right: c + x -> x + c
            return binop("+", b, a)
        if cb is not None and cb < 0:
            return binop("-", a, -cb)
        # (x + c1) + c2 and (x - c1) + c2 fold
        if cb is not None and isinstance(a, Bin) and a.op in ("+", "-") and _icon(a.b) is not None:
            c = _icon(a.b) if a.op == "+" else -_icon(a.b)
            return binop("+", a.a, c + cb)
    elif op == "-":
        if cb == 0:
            return a
        if a == b and is_index(a):
            return Const(0)
        if cb is not None and cb < 0:
            return binop("+", a, -cb)
        if cb is not None and isinstance(a, Bin) and a.op in ("+", "-") and _icon(a.b) is not None:
            c = _icon(a.b) if a.op == "+" else -_icon(a.b)
            return binop("+", a.a, c - cb)
        # (x + y) - y
        if isinstance(a, Bin) and a.op == "+" and a.b == b and is_index(b):
            return a.a
    elif op == "*":
        if cb == 1:
            return a
        if ca == 1:
            return b
        if (cb == 0 and is_index(a)) or (ca == 0 and is_index(b)):
            return Const(0)
    return Bin(op, a, b)


def _icon(e: Expr):
    return e.value if isinstance(e, Const) and e.dtype is None else None


def cmp(op: str, a, b) -> Expr:
    return Bin(op, as_expr(a), as_expr(b))


def const(value, dtype) -> Const:
    """A literal of NumPy dtype ``dtype`` (its Python value normalised)."""
    name = np.dtype(dtype).name
    if name == "bool":
        return Const(bool(value), name)
    if name == "int64":
        return Const(int(value), name)
    return Const(float(value), name)


def cast(e: Expr, src, dst) -> Expr:
    src, dst = np.dtype(src).name, np.dtype(dst).name
    return e if src == dst else Cast(e, src, dst)


@functools.lru_cache(maxsize=4096)
def dim_expr(d) -> Expr:
    """A dimension (int, name, or polynomial such as ``"2*n - 1"``) as an expression."""
    if isinstance(d, int):
        return Const(d)
    tree = ast.parse(d, mode="eval").body

    def conv(t):
        if isinstance(t, ast.Constant):
            return Const(int(t.value))
        if isinstance(t, ast.Name):
            return Dim(t.id)
        if isinstance(t, ast.UnaryOp) and isinstance(t.op, ast.USub):
            return binop("-", 0, conv(t.operand))
        if isinstance(t, ast.BinOp):
            op = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Pow: "**"}[type(t.op)]
            if op == "**":  # n**2 from SymPy
                base, k = conv(t.left), int(t.right.value)
                out = base
                for _ in range(k - 1):
                    out = binop("*", out, base)
                return out
            return binop(op, conv(t.left), conv(t.right))
        raise ValueError(f"unsupported dimension {d!r}")

    return conv(tree)


def shape_exprs(shape) -> tuple:
    return tuple(dim_expr(d) for d in shape)

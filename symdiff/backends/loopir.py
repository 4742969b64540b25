"""A backend-neutral description of generated code: expressions, statements, buffers.

Lowering turns a planned graph into this small loop language; a printer turns
it into source for one target (``backends/numba/printer.py`` writes Numba).
Nothing here knows Numba: math functions are abstract names (``"exp"``),
loop indices are :class:`Idx`, symbolic sizes :class:`Dim`.

Expressions are immutable and compared by value, so an index tuple can key a
cache. Arithmetic on them folds integer constants, which keeps index
expressions short::

    >>> i = Idx(0)
    >>> str(i + 0), str((i + 1) - 1), str(dim_expr("n - 1") - i)
    ('i0', 'i0', '(d_n - 1) - i0')

Statements: :class:`Assign` (``x = e``, ``x += e``, ``a[i] = e``),
:class:`For`, :class:`If`, :class:`Eval` (a call for its effect) and
:class:`Comment`. A :class:`Buffer` is an array the caller allocates and
passes in; a :class:`Kernel` is one compiled function.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from typing import Iterator, Sequence

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


# ------------------------------------------------------------------ statements

class Stmt:
    __slots__ = ()


@dataclass(eq=False)
class Assign(Stmt):
    """``target = value`` or, with ``op``, ``target op= value``; the target a Var or a Load."""

    target: Expr
    value: Expr
    op: str | None = None
    note: str = ""


@dataclass(eq=False)
class For(Stmt):
    var: Expr          # Idx or Var
    start: Expr
    stop: Expr
    body: list = field(default_factory=list)


@dataclass(eq=False)
class If(Stmt):
    cond: Expr
    body: list = field(default_factory=list)
    orelse: list = field(default_factory=list)


@dataclass(eq=False)
class Eval(Stmt):
    """An expression evaluated for its effect (a BLAS call writing into an output)."""

    expr: Expr
    note: str = ""


@dataclass(eq=False)
class Comment(Stmt):
    text: str


def loop_nest(index_vars, dims, body: list) -> Stmt:
    """``for v0 in range(d0): for v1 in range(d1): ... body`` over symdiff dimensions."""
    for v, d in reversed(list(zip(index_vars, dims))):
        body = [For(v, Const(0), dim_expr(d), body)]
    return body[0] if len(body) == 1 else body


# ------------------------------------------------------------------ buffers and kernels

@dataclass(eq=False)
class Buffer:
    """A C-contiguous array the caller allocates and passes to the kernel.

    ``init``: ``None`` (uninitialised), ``0`` or another number the kernel
    starts from. ``dims`` are symdiff dimensions (ints and names).
    """

    name: str
    dims: tuple
    dtype: np.dtype
    init: object = None
    note: str = ""


@dataclass(eq=False)
class Kernel:
    """One compiled function: ``inputs`` (variable, node), caller buffers, body, scalar returns."""

    inputs: list
    buffers: list
    constants: list          # (name, array) module-level arrays
    body: list
    returns: list            # expressions of the 0-d outputs
    bound_dims: list         # (dim name, input variable, axis) read at the top


class ExprPrinter:
    """Python-syntax text of expressions; a target's printer overrides the hooks.

    Hooks: :meth:`literal`, :meth:`call` (abstract function names to the
    target's), :meth:`cast`, :meth:`dim`, :meth:`idx`.
    """

    def expr(self, e: Expr, top: bool = True) -> str:
        # iterative post-order: generated expressions can nest deeply
        out: dict[int, str] = {}
        stack = [(e, False)]
        while stack:
            x, done = stack.pop()
            if id(x) in out:
                continue
            kids = children(x)
            if not done and kids:
                stack.append((x, True))
                stack.extend((k, False) for k in kids if id(k) not in out)
                continue
            out[id(x)] = self.one(x, [out[id(k)] for k in kids])
        text = out[id(e)]
        if top and text.startswith("(") and _balanced_outer(text):
            text = text[1:-1]
        return text

    def one(self, e: Expr, a: list) -> str:
        if isinstance(e, Const):
            return self.literal(e)
        if isinstance(e, Var):
            return e.name
        if isinstance(e, Idx):
            return self.idx(e.axis)
        if isinstance(e, Dim):
            return self.dim(e.name)
        if isinstance(e, Bin):
            return f"({a[0]} {e.op} {a[1]})"
        if isinstance(e, Un):
            return f"(-{a[0]})" if e.op == "-" else f"(not {a[0]})"
        if isinstance(e, Call):
            it = iter(a)
            args = [next(it) if isinstance(x, Expr) else repr(x) for x in e.args]
            return self.call(e, args)
        if isinstance(e, Select):
            return f"({a[1]} if {a[0]} else {a[2]})"
        if isinstance(e, Load):
            return f"{e.array}[{', '.join(_strip(x) for x in a)}]" if a else e.array
        if isinstance(e, Cast):
            return self.cast(a[0], e.src, e.dst)
        if isinstance(e, Guard):
            return f"({_strip(a[1])} <= {_strip(a[0])} < {_strip(a[2])})"
        raise TypeError(e)

    def literal(self, c: Const) -> str:
        return repr(c.value)

    def call(self, e: Call, args: list) -> str:
        return f"{e.fn}({', '.join(args)})"

    def cast(self, text: str, src: str, dst: str) -> str:
        return f"{dst}({text})"

    def dim(self, name: str) -> str:
        return f"d_{name}"

    def idx(self, axis: int) -> str:
        return f"i{axis}"


def _balanced_outer(text: str) -> bool:
    depth = 0
    for k, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and k < len(text) - 1:
            return False
    return True


def _strip(text: str) -> str:
    return text[1:-1] if text.startswith("(") and _balanced_outer(text) else text


__all__ = [
    "Expr", "Const", "Var", "Idx", "Dim", "Bin", "Un", "Call", "Select", "Load", "Cast", "Guard",
    "Stmt", "Assign", "For", "If", "Eval", "Comment", "Buffer", "Kernel",
    "as_expr", "binop", "cmp", "const", "cast", "dim_expr", "shape_exprs", "walk", "loop_axes",
    "level_of", "affine_in", "substitute", "is_index", "ExprPrinter", "loop_nest",
]

"""Names in statements: which variables a block defines and reads, and renaming them.

Used to cut a kernel into separately compiled parts (a part's parameters are
the names it reads but does not define) and to give each part canonical
names, so equal parts of different graphs are the same text and share one
cache entry.
"""

from __future__ import annotations

from .expr import Bin, Call, Cast, Dim, Expr, Guard, Load, Select, Un, Var
from .analysis import walk
from .stmt import Assign, Comment, Eval, For, If, While


def _expr_names(e: Expr, used: dict, dims: dict) -> None:
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Var):
            used.setdefault(x.name)
        elif isinstance(x, Load):
            used.setdefault(x.array)
            stack.extend(reversed(x.index))
        elif isinstance(x, Dim):
            dims.setdefault(x.name)
        elif isinstance(x, (Bin,)):
            stack += [x.b, x.a]
        elif isinstance(x, (Un, Cast)):
            stack.append(x.a)
        elif isinstance(x, Call):
            stack.extend(a for a in reversed(x.args) if isinstance(a, Expr))
        elif isinstance(x, Select):
            stack += [x.b, x.a, x.cond]
        elif isinstance(x, Guard):
            stack += [x.hi, x.lo, x.entry]


def names_of(stmts: list) -> tuple[list, list, list]:
    """``(defined, read, sizes)``: variables assigned, names read, symbolic sizes used, each in order of first use."""
    defined: list = []
    seen: set = set()
    used: dict = {}
    dims: dict = {}
    stack = list(reversed(stmts))
    while stack:
        s = stack.pop()
        if isinstance(s, Assign):
            _expr_names(s.value, used, dims)
            if isinstance(s.target, Var):
                if s.op:
                    used.setdefault(s.target.name)
                if s.target.name not in seen:
                    seen.add(s.target.name)
                    defined.append(s.target.name)
            else:
                _expr_names(s.target, used, dims)
        elif isinstance(s, Eval):
            _expr_names(s.expr, used, dims)
        elif isinstance(s, For):
            for e in (s.start, s.stop):
                _expr_names(e, used, dims)
            if isinstance(s.var, Var) and s.var.name not in seen:
                seen.add(s.var.name)
                defined.append(s.var.name)
            stack.extend(reversed(s.body))
        elif isinstance(s, While):
            _expr_names(s.cond, used, dims)
            stack.extend(reversed(s.body))
        elif isinstance(s, If):
            _expr_names(s.cond, used, dims)
            stack.extend(reversed(s.orelse))
            stack.extend(reversed(s.body))
    return defined, list(used), list(dims)


def rename_expr(e: Expr, names: dict, dims: dict) -> Expr:
    if isinstance(e, Var):
        return Var(names.get(e.name, e.name))
    if isinstance(e, Dim):
        return Dim(dims.get(e.name, e.name))
    if isinstance(e, Load):
        return Load(names.get(e.array, e.array), tuple(rename_expr(x, names, dims) for x in e.index))
    if isinstance(e, Bin):
        return Bin(e.op, rename_expr(e.a, names, dims), rename_expr(e.b, names, dims))
    if isinstance(e, Un):
        return Un(e.op, rename_expr(e.a, names, dims))
    if isinstance(e, Cast):
        return Cast(rename_expr(e.a, names, dims), e.src, e.dst)
    if isinstance(e, Call):
        return Call(e.fn, tuple(rename_expr(a, names, dims) if isinstance(a, Expr) else a for a in e.args), e.dtype)
    if isinstance(e, Select):
        return Select(*(rename_expr(x, names, dims) for x in (e.cond, e.a, e.b)))
    if isinstance(e, Guard):
        return Guard(*(rename_expr(x, names, dims) for x in (e.entry, e.lo, e.hi)))
    return e


def rename(stmts: list, names: dict, dims: dict) -> list:
    """A copy of ``stmts`` with variables, arrays and sizes renamed (names missing from the maps stay)."""
    out = []
    for s in stmts:
        if isinstance(s, Assign):
            out.append(Assign(rename_expr(s.target, names, dims), rename_expr(s.value, names, dims), s.op, s.note))
        elif isinstance(s, Eval):
            out.append(Eval(rename_expr(s.expr, names, dims), s.note))
        elif isinstance(s, For):
            out.append(For(rename_expr(s.var, names, dims), rename_expr(s.start, names, dims),
                           rename_expr(s.stop, names, dims), rename(s.body, names, dims)))
        elif isinstance(s, While):
            out.append(While(rename_expr(s.cond, names, dims), rename(s.body, names, dims)))
        elif isinstance(s, If):
            out.append(If(rename_expr(s.cond, names, dims), rename(s.body, names, dims), rename(s.orelse, names, dims)))
        elif isinstance(s, Comment):
            out.append(s)
        else:
            raise TypeError(s)
    return out


#: expression nodes that weigh as much as one ordinary statement in Numba's front end
NODES_PER_STATEMENT = 6


def weight(s) -> int:
    """The size of one statement (nested ones not included) as Numba's front end sees it.

    An ordinary statement (``t3 = t1 * A0[i0]``) weighs 1; a long one, such as
    a line of a thousand-term gradient sum, weighs in proportion to its
    expression nodes: Numba types and lowers each of them.
    """
    if isinstance(s, Comment):
        return 0
    if isinstance(s, Assign):
        exprs = (s.target, s.value)
    elif isinstance(s, Eval):
        exprs = (s.expr,)
    elif isinstance(s, For):
        exprs = (s.start, s.stop)
    elif isinstance(s, (If, While)):
        exprs = (s.cond,)
    else:
        exprs = ()
    nodes = sum(1 for e in exprs for _ in walk(e))
    return max(1, nodes // NODES_PER_STATEMENT)


def count(stmts: list) -> int:
    """The weight of a block, nested statements included (the size Numba's front end works through)."""
    total = 0
    stack = list(stmts)
    while stack:
        s = stack.pop()
        total += weight(s)
        if isinstance(s, (For, While, If)):
            stack.extend(s.body)
            stack.extend(getattr(s, "orelse", ()))
    return total

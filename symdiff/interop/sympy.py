"""SymPy both ways: ``from_sympy`` turns expressions into graphs, ``to_sympy`` graphs into expressions.

Both directions walk iteratively (an explicit stack one way, a topological
order the other), so deep expressions do not hit Python's recursion limit,
and both keep sharing: a repeated SymPy subtree becomes one graph node, and a
graph node used many times becomes one SymPy subexpression object (one
``(symbol, expression)`` pair with ``cse=True``).

SymPy is imported on first use, so ``import symdiff`` stays fast.

>>> import sympy
>>> import symdiff as sd
>>> t = sympy.Symbol("t")
>>> env = {}
>>> f = sd.from_sympy(sympy.sin(t) ** 2 + 1 / t, env)
>>> sorted(n.op.name for n in sd.traversal.toposort([f]) if not n.op.is_input and not n.op.is_constant)
['add', 'divide', 'sin', 'square']
>>> df = sd.grad(f, env[t])
>>> sd.to_sympy(df)
2*sin(t)*cos(t) - 1/t**2
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any, Mapping

import numpy as np

from .. import dtypes as _dt
from ..errors import ShapeError
from ..graph import Node, as_node, constant
from ..ops import elementwise as ew
from ..ops import special
from ..traversal import toposort

__all__ = ["from_sympy", "to_sympy", "UnsupportedConstruct"]


class UnsupportedConstruct(NotImplementedError, TypeError):
    """A SymPy construct or a symdiff operation the converter cannot translate.

    It is both a ``NotImplementedError`` and a ``TypeError``, so either
    ``except`` clause catches it.
    """


def _sympy():
    import sympy

    return sympy


def _short(expr, limit: int = 80) -> str:
    s = str(expr)
    return s if len(s) <= limit else s[: limit - 3] + "..."


# =============================================================================
# SymPy -> symdiff
# =============================================================================

#: node-building functions for one-argument SymPy functions, by SymPy class name
_UNARY = {
    "exp": ew.exp, "log": ew.log, "sin": ew.sin, "cos": ew.cos, "tan": ew.tan,
    "asin": ew.arcsin, "acos": ew.arccos, "atan": ew.arctan,
    "sinh": ew.sinh, "cosh": ew.cosh, "tanh": ew.tanh,
    "Abs": ew.abs, "sign": ew.sign,
    "log1p": ew.log1p, "expm1": ew.expm1,  # sympy.codegen.cfunctions
    "sec": lambda x: ew.divide(1.0, ew.cos(x)),
    "csc": lambda x: ew.divide(1.0, ew.sin(x)),
    "cot": lambda x: ew.divide(1.0, ew.tan(x)),
    "sech": lambda x: ew.divide(1.0, ew.cosh(x)),
    "csch": lambda x: ew.divide(1.0, ew.sinh(x)),
    "coth": lambda x: ew.divide(1.0, ew.tanh(x)),
    "erf": special.erf, "erfc": special.erfc, "loggamma": special.gammaln, "digamma": special.digamma,
    "floor": special.floor, "ceiling": special.ceil,
}

_RELATIONAL = {
    "StrictLessThan": ew.less, "LessThan": ew.less_equal,
    "StrictGreaterThan": ew.greater, "GreaterThan": ew.greater_equal,
    "Equality": ew.equal, "Unequality": ew.not_equal,
}

_HINTS = {
    "Derivative": "call .doit() first, or let symdiff differentiate (sd.grad)",
    "Integral": "evaluate the integral in SymPy first",
    "Subs": "call .doit() first",
    "ImaginaryUnit": "symdiff graphs are real-valued",
}


def _unsupported(expr) -> UnsupportedConstruct:
    sp = _sympy()
    kind = type(expr).__name__
    if isinstance(expr, sp.core.function.AppliedUndef):
        hint = "an undefined function; substitute a symbol for it (expr.subs(f(t), s)) before converting"
    else:
        hint = _HINTS.get(kind, "supported: + - * / **, exp, log, trig and hyperbolic functions, "
                                "asin/acos/atan/atan2, Abs, sign, erf/erfc, loggamma/digamma/polygamma, floor/ceiling, "
                                "Mod, Max/Min, Piecewise, relationals, And/Or/Not/ITE, numbers")
    return UnsupportedConstruct(f"from_sympy: unsupported SymPy construct {_short(expr)} ({kind}); {hint}")


def _number(expr) -> float | bool:
    """A constant SymPy expression as a Python float (bool for true/false)."""
    sp = _sympy()
    if expr is sp.true or expr is sp.false:
        return bool(expr)
    if expr is sp.zoo:
        raise _unsupported(expr)
    if expr is sp.nan:
        return math.nan
    if expr.is_Rational:  # exact, also for huge p/q
        return float(Fraction(int(expr.p), int(expr.q)))
    try:
        c = complex(expr.evalf())
    except (TypeError, ValueError):
        raise _unsupported(expr) from None
    if c.imag != 0 and not math.isnan(c.imag):
        raise UnsupportedConstruct(f"from_sympy: the constant {_short(expr)} is not real; symdiff graphs are real-valued")
    return c.real


def _mark_constants(root, table: dict) -> bool:
    """Whether ``root`` is free of symbols, filling ``table`` for every subtree (iteratively).

    SymPy's own ``is_number`` and ``free_symbols`` recurse, which fails on deep expressions.
    """
    stack = [root]
    while stack:
        e = stack[-1]
        if e in table:
            stack.pop()
            continue
        args = e.args if hasattr(e, "args") else ()
        pending = [a for a in args if a not in table]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if getattr(e, "is_Symbol", False):
            table[e] = False
        else:
            table[e] = all(table[a] for a in args)
    return table[root]


def _plan(expr, sp, is_const):
    """(build, children) for one SymPy node: ``build(*converted children)`` makes its node.

    Children may be new SymPy expressions (the magnitude of a negative term,
    the positive power in a denominator); the caller converts them like any
    other subtree, so they are shared too.
    """
    if isinstance(expr, (sp.logic.boolalg.BooleanTrue, sp.logic.boolalg.BooleanFalse)):
        v = bool(expr)
        return (lambda: v), ()
    if is_const(expr) and not isinstance(expr, (sp.Piecewise, sp.core.relational.Relational,
                                                 sp.logic.boolalg.Boolean)):
        v = _number(expr)
        return (lambda: v), ()
    if expr.is_Add:
        return _plan_add(expr)
    if expr.is_Mul:
        return _plan_mul(expr, is_const)
    if expr.is_Pow:
        return _plan_pow(expr, sp)
    name = type(expr).__name__
    if isinstance(expr, sp.Function) and name in _UNARY and len(expr.args) == 1:
        return _UNARY[name], expr.args
    if name == "atan2":
        return special.arctan2, expr.args
    if name == "Mod":
        return special.mod, expr.args
    if name == "polygamma" and expr.args[0].is_Integer and expr.args[0] >= 0:
        order = int(expr.args[0])
        return (lambda x: special.polygamma(order, x)), expr.args[1:]
    if name in ("Max", "Min"):
        op = ew.maximum if name == "Max" else ew.minimum
        return (lambda *xs: functools.reduce(op, xs)), expr.args
    if name in _RELATIONAL:
        return _RELATIONAL[name], expr.args
    if name in ("And", "Or"):
        op = ew.logical_and if name == "And" else ew.logical_or
        return (lambda *xs: functools.reduce(op, xs)), expr.args
    if name == "Not":
        return ew.logical_not, expr.args
    if name == "ITE":  # boolean if-then-else
        return ew.where, expr.args
    if isinstance(expr, sp.Piecewise):
        return _plan_piecewise(expr)
    raise _unsupported(expr)


def _plan_add(expr):
    # a - b arrives as Add(a, Mul(-1, b)): gather negative terms and subtract them
    pos, neg = [], []
    for term in expr.args:
        c, rest = term.as_coeff_Mul()
        if c.is_Number and c.is_extended_negative:
            neg.append((-c) * rest)
        else:
            pos.append(term)
    pos.sort(key=lambda t: bool(t.is_Number))  # x + 1, not 1 + x
    npos = len(pos)

    def build(*xs):
        p, n = xs[:npos], xs[npos:]
        total = functools.reduce(ew.add, p) if p else None
        if n:
            if total is None:
                total, n = ew.negative(n[0]), n[1:]
            if n:
                total = ew.subtract(total, functools.reduce(ew.add, n))
        return total

    return build, tuple(pos) + tuple(neg)


def _plan_mul(expr, is_const):
    # numerator factors, denominator factors (negative powers, the coefficient's q), sign
    sp = _sympy()
    coeff, factors = expr.as_coeff_mul()
    if any(is_const(f) for f in factors):  # 2*pi*x: fold every number into one coefficient
        coeff = sp.Mul(coeff, *[f for f in factors if is_const(f)])
        factors = tuple(f for f in factors if not is_const(f))
        if not coeff.is_Rational:
            coeff = sp.Float(_number(coeff))
    num, den = [], []
    negate = False
    if coeff.is_Rational:
        p, q = int(coeff.p), int(coeff.q)
        if p == -1:
            negate = True
        elif p != 1:
            num.append(sp.Integer(p))
        if q != 1:
            den.append(sp.Integer(q))
    elif coeff == -1:
        negate = True
    elif coeff != 1:
        num.append(coeff)
    for f in factors:
        if f.is_Pow and f.exp.is_Rational and f.exp.is_extended_negative:
            den.append(sp.Pow(f.base, -f.exp))
        else:
            num.append(f)
    nnum = len(num)

    def build(*xs):
        n, d = xs[:nnum], xs[nnum:]
        out = functools.reduce(ew.multiply, n) if n else 1.0
        if d:
            out = ew.divide(out, functools.reduce(ew.multiply, d))
        if negate:
            out = -out if isinstance(out, float) else ew.negative(out)
        return out

    return build, tuple(num) + tuple(den)


def _plan_pow(expr, sp):
    base, e = expr.base, expr.exp
    if e == 2:
        return ew.square, (base,)
    if e == sp.Rational(1, 2):
        return ew.sqrt, (base,)
    if e.is_Rational and e.is_extended_negative:
        return (lambda d: ew.divide(1.0, d)), (sp.Pow(base, -e),)
    if e.is_Integer:
        k = int(e)
        return (lambda b: ew.power(b, k)), (base,)
    return ew.power, (base, e)


def _plan_piecewise(expr):
    sp = _sympy()
    pairs = []
    for value, cond in expr.args:
        if cond is sp.false:
            continue
        pairs.append((value, cond))
        if cond is sp.true:
            break
    children = []
    for value, cond in pairs:
        children.append(value)
        children.append(cond)

    def build(*xs):
        branches = list(zip(xs[0::2], xs[1::2]))
        if branches and branches[-1][1] is True:
            out = branches.pop()[0]
        else:
            out = math.nan  # SymPy's value where no condition holds
        for value, cond in reversed(branches):
            out = ew.where(cond, value, out)
        return out

    return build, tuple(children)


def from_sympy(expr: Any, symbols: Mapping | None = None):
    """A SymPy expression as a symdiff graph.

    ``symbols`` maps SymPy symbols (or their names) to symdiff nodes (or
    numbers); a node may be a vector or any array, and the expression then
    applies elementwise with NumPy broadcasting. Symbols not in the mapping
    become new ``sd.scalar`` inputs of the same name; when ``symbols`` is a
    ``dict`` they are added to it, so pass ``{}`` to get them back.

    ``expr`` may also be a list or tuple of expressions (one list of nodes
    back, sharing their common subtrees).

    Numbers become float constants (``Rational(1, 3)`` is ``1/3``; ``pi`` and
    ``E`` their values); ``x**2`` becomes ``square``, ``x**(1/2)`` ``sqrt``,
    negative powers a division, ``a - b`` a subtraction, and ``Piecewise``
    nested ``where`` (NaN where no condition holds, as in SymPy). Each
    distinct subtree becomes one node. Anything else raises
    :class:`UnsupportedConstruct` (a ``NotImplementedError`` and a
    ``TypeError``) naming the construct.

    >>> import numpy as np, sympy
    >>> import symdiff as sd
    >>> a, b = sympy.symbols("a b")
    >>> x = sd.vector("x", 3)
    >>> f = sd.from_sympy(sympy.Piecewise((a**2, a > 0), (-b, True)), {a: x, "b": 1.0})
    >>> f.shape
    (3,)
    >>> sd.evaluate(f, {x: np.array([-1.0, 2.0, 3.0])})
    array([-1.,  4.,  9.])
    """
    sp = _sympy()
    many = isinstance(expr, (list, tuple))
    exprs = [sp.sympify(e) for e in (expr if many else [expr])]
    if symbols is None:
        symbols = {}
    if not isinstance(symbols, Mapping):
        raise TypeError(f"from_sympy: symbols must be a mapping from SymPy symbols to nodes, got {type(symbols).__name__}")

    table: dict = {}
    by_name: dict = {}  # string keys match any symbol of that name, whatever its assumptions
    for k, v in symbols.items():
        if isinstance(v, bool):
            pass
        elif isinstance(v, (int, float)) and not isinstance(v, np.generic):
            v = float(v)  # stays a weakly typed Python number, as in x * 2.0
        elif not isinstance(v, Node):
            v = as_node(v)
        if isinstance(k, str):
            by_name[k] = v
        elif isinstance(k, sp.Basic) and k.is_Symbol:
            table[k] = v
        else:
            raise TypeError(f"from_sympy: symbols keys must be SymPy symbols or names, got {k!r}")
    created: dict = {}

    def symbol_node(s):
        node = table.get(s)
        if node is None:
            node = by_name.get(s.name)
        if node is None:
            from ..numpy_api import scalar

            node = table[s] = created[s] = scalar(s.name)
        return node

    memo: dict = {}
    plans: dict = {}
    consts: dict = {}

    def is_const(e):
        v = consts.get(e)
        return _mark_constants(e, consts) if v is None else v

    for root in exprs:
        stack = [root]
        while stack:
            e = stack[-1]
            if e in memo:
                stack.pop()
                continue
            plan = plans.get(e)
            if plan is None:
                if not isinstance(e, sp.Basic):
                    raise _unsupported(e)
                if e.is_Symbol:
                    memo[e] = symbol_node(e)
                    stack.pop()
                    continue
                plan = plans[e] = _plan(e, sp, is_const)
                pending = [c for c in plan[1] if c not in memo]
                if pending:
                    stack.extend(reversed(pending))
                    continue
            stack.pop()
            build, children = plan
            memo[e] = build(*[memo[c] for c in children])
            del plans[e]

    if isinstance(symbols, dict):
        for s, node in created.items():
            symbols.setdefault(s, node)

    out = []
    for e in exprs:
        v = memo[e]
        if not isinstance(v, Node):
            v = constant(v) if isinstance(v, bool) else constant(float(v))
        out.append(v)
    return out if many else out[0]


# =============================================================================
# symdiff -> SymPy
# =============================================================================

#: operations on 0-d values that are the identity (shape bookkeeping left by derivative rules)
_IDENTITY_ON_SCALARS = {"sum", "max", "min", "prod", "broadcast_to", "reshape", "transpose", "logsumexp"}


def _sympy_number(v, sp):
    """A NumPy scalar as a SymPy number: integral floats as Integers, short fractions as Rationals."""
    if isinstance(v, (bool, np.bool_)):
        return sp.true if v else sp.false
    if isinstance(v, (int, np.integer)):
        return sp.Integer(int(v))
    v = float(v)
    if math.isnan(v):
        return sp.nan
    if math.isinf(v):
        return sp.oo if v > 0 else -sp.oo
    if v.is_integer() and abs(v) < 2.0**53:
        return sp.Integer(int(v))
    fr = Fraction(v).limit_denominator(1000)
    if float(fr) == v:
        return sp.Rational(fr.numerator, fr.denominator)
    return sp.Float(v)


def _to_sympy_rules(sp):
    def sigmoid(a):
        return 1 / (1 + sp.exp(-a))

    def where(c, a, b):
        if isinstance(b, sp.Piecewise):  # where(c1, a, where(c2, b, d)): one flat Piecewise
            return sp.Piecewise((a, c), *b.args)
        return sp.Piecewise((a, c), (b, True))

    return {
        "add": lambda a, b: a + b,
        "add_n": lambda *xs: sp.Add(*xs),
        "subtract": lambda a, b: a - b,
        "multiply": lambda a, b: a * b,
        "divide": lambda a, b: a / b,
        "power": lambda a, b: a ** b,
        "negative": lambda a: -a,
        "square": lambda a: a ** 2,
        "reciprocal": lambda a: 1 / a,
        "sqrt": sp.sqrt,
        "exp": sp.exp,
        "log": sp.log,
        "log1p": lambda a: sp.log(1 + a),
        "expm1": lambda a: sp.exp(a) - 1,
        "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
        "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan,
        "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
        "abs": sp.Abs,
        "sign": sp.sign,
        "maximum": sp.Max,
        "minimum": sp.Min,
        "where": where,
        "less": sp.Lt, "less_equal": sp.Le, "greater": sp.Gt, "greater_equal": sp.Ge,
        "equal": sp.Eq, "not_equal": sp.Ne,
        "logical_and": sp.And, "logical_or": sp.Or, "logical_not": sp.Not,
        "sigmoid": sigmoid,
        "softplus": lambda a: sp.log(1 + sp.exp(a)),
        "relu": lambda a: sp.Max(a, 0),
        "erf": sp.erf, "erfc": sp.erfc, "gammaln": sp.loggamma,
        "log2": lambda a: sp.log(a, 2), "log10": lambda a: sp.log(a, 10), "exp2": lambda a: 2 ** a,
        "cbrt": lambda a: sp.sign(a) * sp.Abs(a) ** sp.Rational(1, 3), "floor": sp.floor, "ceil": sp.ceiling,
        "trunc": lambda a: sp.sign(a) * sp.floor(sp.Abs(a)),
        "mod": sp.Mod, "arctan2": sp.atan2, "hypot": lambda a, b: sp.sqrt(a ** 2 + b ** 2),
        "logaddexp": lambda a, b: sp.log(sp.exp(a) + sp.exp(b)),
        "logaddexp2": lambda a, b: sp.log(2 ** a + 2 ** b, 2),
        "xlogy": lambda a, b: sp.Piecewise((0, sp.Eq(a, 0)), (a * sp.log(b), True)),
    }


def _check_scalar(order: list[Node], outs: list[Node]) -> None:
    """Find the first place a non-scalar value enters, and name the operation there."""
    for o in outs:
        if o.shape != ():
            what = f"input {o.name!r}" if o.op.is_input else f"the output ({o.op.label(o)} node)"
            raise ShapeError(f"to_sympy: {what} has shape {tuple(o.shape)}; only graphs of scalar (0-d) "
                             "elementwise operations convert (index or sum to a scalar first)")
    for n in order:
        for i in n.inputs:
            if i.shape != ():
                what = f"input {i.name!r}" if i.op.is_input else f"a {i.op.name} node"
                raise ShapeError(
                    f"to_sympy: the {n.op.name} node takes {what} of shape {tuple(i.shape)}; only graphs "
                    "of scalar (0-d) elementwise operations convert"
                )


def _convert_node(node: Node, args: list, rules: dict, sp, symbol_of):
    op = node.op
    name = op.name
    if op.is_input:
        return symbol_of(node)
    if op.is_constant:
        return _sympy_number(node.kw["value"].array.item(), sp)
    if name == "fill":
        return _sympy_number(np.asarray(node.kw["value"], dtype=node.dtype).item(), sp)
    if name in _IDENTITY_ON_SCALARS and len(args) == 1 and node.inputs[0].shape == ():
        return args[0]
    if name == "cast":
        src, dst = node.inputs[0].dtype, node.dtype
        if _dt.is_float(dst) and (_dt.is_float(src) or src.kind == "i"):
            return args[0]
        if _dt.is_float(dst) and src == _dt.BOOL:
            return sp.Piecewise((sp.Integer(1), args[0]), (sp.Integer(0), True))
        if dst == _dt.BOOL and src != _dt.BOOL:
            return sp.Ne(args[0], 0)
        raise UnsupportedConstruct(f"to_sympy: unsupported operation cast from {src} to {dst}")
    if name == "polygamma":
        return sp.polygamma(node.kw["order"], args[0])
    rule = rules.get(name)
    if rule is None:
        raise UnsupportedConstruct(
            f"to_sympy: unsupported operation {name!r} ({op.label(node)}); only scalar elementwise "
            "operations convert"
        )
    return rule(*args)


def to_sympy(node, cse: bool = False):
    """A graph of scalar elementwise operations as a SymPy expression.

    ``node`` is a node or a list/tuple of nodes (a list of expressions back).
    Input symbols become ``sympy.Symbol`` of the same name, constants SymPy
    numbers (integral floats as Integers, short fractions as Rationals),
    ``where`` a ``Piecewise``, ``sigmoid``/``softplus``/``relu``/``log1p``/
    ``expm1`` their textbook formulas. The graph's sharing is kept: a node
    used twice is one SymPy object.

    With ``cse=True`` the result is ``(replacements, result)`` in the form
    of ``sympy.cse``: ``replacements`` a list of ``(symbol, expression)``
    pairs, one for each non-trivial node used more than once, in dependency
    order, and ``result`` the expression (a list for a list of nodes) in
    terms of them. It is built from the graph's shared nodes directly, so a
    derivative's size stays that of its graph.

    Non-scalar nodes raise ``sd.ShapeError`` and other operations
    :class:`UnsupportedConstruct` (a ``NotImplementedError`` and a
    ``TypeError``), both naming the operation.

    >>> import symdiff as sd
    >>> x = sd.scalar("x")
    >>> e = sd.exp(x) * sd.exp(x) + sd.exp(x)
    >>> sd.to_sympy(e)
    exp(2*x) + exp(x)
    >>> sd.to_sympy(e, cse=True)
    ([(x0, exp(x))], x0**2 + x0)
    """
    sp = _sympy()
    many = isinstance(node, (list, tuple))
    outs = [as_node(n) for n in (node if many else [node])]
    order = toposort(outs)
    _check_scalar(order, outs)
    rules = _to_sympy_rules(sp)

    names: dict[str, Node] = {}

    def symbol_of(n):
        other = names.setdefault(n.name, n)
        if other is not n:
            raise ValueError(f"to_sympy: two different input symbols are both named {n.name!r}")
        return sp.Symbol(n.name)

    uses: dict[int, int] = {}
    if cse:
        for n in order:
            for i in n.inputs:
                uses[id(i)] = uses.get(id(i), 0) + 1
        for o in outs:  # an output also used elsewhere, or listed twice, is worth naming
            uses[id(o)] = uses.get(id(o), 0) + 1
        taken = {n.name for n in order if n.op.is_input}
        fresh = sp.numbered_symbols("x", exclude=[sp.Symbol(t) for t in taken])
    replacements = []
    expr_of: dict[int, Any] = {}
    for n in order:
        e = _convert_node(n, [expr_of[id(i)] for i in n.inputs], rules, sp, symbol_of)
        if cse and uses.get(id(n), 0) > 1 and not e.is_Atom:
            s = next(fresh)
            replacements.append((s, e))
            e = s
        expr_of[id(n)] = e
    result = [expr_of[id(o)] for o in outs]
    if not many:
        result = result[0]
    return (replacements, result) if cse else result

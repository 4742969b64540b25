"""Fuzz moves: elementwise functions (special functions included), comparisons, where, casts.

A move takes the generator and returns the new Var (or None: nothing fitting). Domains come
from the values: ``log(x)`` where x is well above 0, else ``log(x * x + c)``; kinks (``abs``,
``floor``, ``maximum`` ...) only where every entry is ``MARGIN`` away, shifted otherwise.
"""

from __future__ import annotations

import math

import numpy as np

from .generator import MARGIN, Move, fmt

INF = math.inf


def _f(v):
    return np.asarray(v, dtype=np.float64)


def _pos(lo):
    return lambda vs: all(np.min(_f(v), initial=INF) > lo for v in vs)


def _within(hi):
    return lambda vs: all(np.max(np.abs(_f(v)), initial=0.0) < hi for v in vs)


def _away0(lo):
    return lambda vs: all(np.min(np.abs(_f(v)), initial=INF) > lo for v in vs)


def _near0(vs, o):
    return min(float(np.min(np.abs(_f(v) + o), initial=INF)) for v in vs)


# name: (direct form, its domain (None: everywhere), wrapped form, largest |x| allowed)
UNARY = {
    "negative": ("L.negative({x})", None, None, INF),
    "neg_operator": ("-{x}", None, None, INF),
    "exp": ("L.exp({x})", None, None, 5.0),
    "log": ("L.log({x})", _pos(0.2), "L.log({x} * {x} + {c})", INF),
    "log1p": ("L.log1p({x})", _pos(-0.7), "L.log1p({x} * {x})", INF),
    "expm1": ("L.expm1({x})", None, None, 5.0),
    "sqrt": ("L.sqrt({x})", _pos(0.2), "L.sqrt({x} * {x} + {c})", INF),
    "square": ("L.square({x})", None, None, 30.0),
    "pow2": ("{x} ** 2", None, None, 30.0),
    "pow3": ("L.power({x}, 3)", None, None, 9.0),
    "sin": ("L.sin({x})", None, None, INF),
    "cos": ("L.cos({x})", None, None, INF),
    "tan": ("L.tan({x})", _within(1.3), "L.tan(L.tanh({x}))", INF),
    "arcsin": ("L.arcsin({x})", _within(0.9), "L.arcsin(L.tanh({x}) * 0.9)", INF),
    "arccos": ("L.arccos({x})", _within(0.9), "L.arccos(L.tanh({x}) * 0.9)", INF),
    "arctan": ("L.arctan({x})", None, None, INF),
    "sinh": ("L.sinh({x})", None, None, 5.0),
    "cosh": ("L.cosh({x})", None, None, 5.0),
    "tanh": ("L.tanh({x})", None, None, INF),
    "reciprocal": ("L.reciprocal({x})", _away0(0.3), "L.reciprocal({x} * {x} + {c})", INF),
    "sigmoid": ("L.sigmoid({x})", None, None, INF),
    "softplus": ("L.softplus({x})", None, None, INF),
    "log_sigmoid": ("L.log_sigmoid({x})", None, None, INF),
    "erf": ("L.erf({x})", None, None, INF),
    "erfc": ("L.erfc({x})", None, None, INF),
    "gammaln": ("L.gammaln({x})", _pos(0.3), "L.gammaln({x} * {x} + {c})", 30.0),
    "digamma": ("L.digamma({x})", _pos(0.3), "L.digamma({x} * {x} + {c})", INF),
    "polygamma": ("L.polygamma({n}, {x})", _pos(0.6), "L.polygamma({n}, {x} * {x} + {c} + 0.5)", INF),
    "log2": ("L.log2({x})", _pos(0.2), "L.log2({x} * {x} + {c})", INF),
    "log10": ("L.log10({x})", _pos(0.2), "L.log10({x} * {x} + {c})", INF),
    "exp2": ("L.exp2({x})", None, None, 7.0),
    "cbrt": ("L.cbrt({x})", _away0(0.2), "L.cbrt({x} * {x} + {c})", INF),
}


def unary(g):
    name = g.choice(list(UNARY))
    direct, domain, wrapped, top = UNARY[name]
    x = g.pick("fib", hi=3)
    if x is None:
        return None
    if x.kind == "b" and ("{x} *" in (wrapped or "") or name in ("neg_operator", "negative", "square", "pow2",
                                                                  "pow3")):
        return None   # bool * bool, -bool: NumPy refuses or gives bool
    if x.kind != "f" and name == "reciprocal":
        return None   # of integers: 1/x in float64 as JAX, where NumPy truncates (docs/semantics.md)
    x = g.squash(x, top) if top < INF else x
    if x is None:
        return None
    use_direct = domain is None or (g.scope.exact and domain(x.vals) and g.rng.random() < 0.8)
    if not use_direct and wrapped is None:
        return None
    text = (direct if use_direct else wrapped).format(x=x, c=fmt(g.rng.uniform(0.3, 1.0)),
                                                       n=int(g.rng.integers(1, 3)))
    return g.emit(text)


def _dist_int(vs, o=0.0, scale=1.0, half=False):
    ys = [(_f(v) + o) * scale + (0.5 if half else 0.0) for v in vs]
    return min(float(np.min(np.abs(y - np.round(y)), initial=INF)) for y in ys) / scale


# name: (form, distance from the kinks of x + o)
KINKED = {
    "abs": ("L.abs({x})", _near0), "abs_builtin": ("abs({x})", _near0), "sign": ("L.sign({x})", _near0),
    "relu": ("L.relu({x})", _near0),
    "floor": ("L.floor({x})", _dist_int),
    "ceil": ("L.ceil({x})", _dist_int),
    "trunc": ("L.trunc({x})", _dist_int),
    "rint": ("L.rint({x})", lambda vs, o: _dist_int(vs, o, half=True)),
    "round": ("L.round({x}, 1)", lambda vs, o: _dist_int(vs, o, 10.0, half=True)),
    "around": ("L.around({x})", lambda vs, o: _dist_int(vs, o, half=True)),
    "to_int": ("L.astype({x}, 'int64')", _dist_int),
}


def offset(g, vals, dist) -> str | None:
    """'' when ``dist(vals, 0)`` keeps MARGIN, else ' + o' for an offset o that does, else None."""
    if dist(vals, 0.0) > MARGIN:
        return ""
    for _ in range(6):
        o = g.rng.uniform(-1.0, 1.0)
        if dist(vals, o) > MARGIN:
            return f" + {fmt(o)}"
    return None


def kinked(g):
    name = g.choice(list(KINKED))
    form, dist = KINKED[name]
    x = g.pick("fi" if name != "relu" else "f", hi=3, arith=False)
    if x is None or (x.kind == "i" and name == "to_int"):
        return None
    if x.kind == "i" and x.fl and name == "rint":
        return None   # a float made from an int computed from floats: no derivative may flow back (semantics.md)
    if x.kind == "f":
        off = offset(g, x.vals, dist)
        if off is None:
            return None
        return g.emit(form.format(x=f"({x}{off})" if off else x))
    return g.emit(form.format(x=x))


BINARY = {  # name: (form, domain of b (None: any), wrapped form of b)
    "add": ("{a} + {b}", None), "add_fn": ("L.add({a}, {b})", None),
    "subtract": ("{a} - {b}", None), "subtract_fn": ("L.subtract({a}, {b})", None),
    "multiply": ("{a} * {b}", None), "multiply_fn": ("L.multiply({a}, {b})", None),
    "divide": ("{a} / {b}", _away0(0.3)), "divide_fn": ("L.divide({a}, {b})", _away0(0.3)),
    "logaddexp": ("L.logaddexp({a}, {b})", None), "logaddexp2": ("L.logaddexp2({a}, {b})", None),
    "xlogy": ("L.xlogy({a}, {b})", _pos(0.2)), "add_n": ("L.add_n({a}, {b}, {a})", None),
}


def binary(g):
    name = g.choice(list(BINARY))
    form, domain = BINARY[name]
    a = g.pick("fi", hi=3)
    if a is None:
        return None
    b = g.partner(a, "fi") if g.rng.random() < 0.75 else None
    if b is None:
        btext = fmt(g.rng.uniform(0.5, 2.0) * g.choice([-1, 1])) if domain is None or name != "xlogy" \
            else fmt(g.rng.uniform(0.5, 2.0))
    elif domain is None or (g.scope.exact and domain(b.vals)):
        btext = b.name
    else:
        btext = f"({b} * {b} + {fmt(g.rng.uniform(0.3, 1.0))})"
    if g.rng.random() < 0.3 and name in ("add", "subtract", "multiply"):
        return g.emit(form.format(a=btext, b=a))
    return g.emit(form.format(a=a, b=btext))


def power(g):
    a = g.pick("f", hi=3)
    if a is None:
        return None
    base = a.name if g.scope.exact and _pos(0.3)(a.vals) else f"({a} * {a} + {fmt(g.rng.uniform(0.3, 1.0))})"
    b = g.partner(a, "fi")
    if b is None or b.bound > 3.0 or g.rng.random() < 0.3:
        e = fmt(g.rng.uniform(-2.0, 2.5))
    else:
        e = b.name
    return g.emit(g.choice(["{a} ** {b}", "L.power({a}, {b})"]).format(a=base, b=e))


def plane(g):
    """arctan2 and hypot away from the origin (and arctan2 off its branch cut)."""
    a = g.pick("f", hi=3)
    b = a and g.partner(a, "f")
    if b is None:
        return None
    ok = g.scope.exact and all(np.min(np.maximum(np.abs(_f(x)), _f(y)), initial=INF) > 0.2
                               for x, y in zip(a.vals, b.vals))
    btext = b.name if ok else f"({b} * {b} + {fmt(g.rng.uniform(0.3, 1.0))})"
    return g.emit(f"L.{g.choice(['arctan2', 'hypot'])}({a}, {btext})")


def extremum(g):
    """maximum, minimum, mod and clip, where no entry is within MARGIN of a tie or a jump."""
    a = g.pick("f", hi=3)
    if a is None:
        return None
    which = g.choice(["maximum", "minimum", "mod", "remainder", "mod_operator", "clip"])
    if which.startswith("mod"):
        c = g.rng.uniform(0.7, 2.5)
        off = offset(g, a.vals, lambda vs, o: _dist_int(vs, o, 1.0 / c))
        x = f"({a}{off})" if off else a.name
        return None if off is None else g.emit(f"{x} % {fmt(c)}" if which == "mod_operator" else
                                               f"L.{which}({x}, {fmt(c)})")
    if which == "clip":
        lo, hi = sorted(g.rng.uniform(-1.5, 1.5, 2))
        if hi - lo < 0.3 or min(_near0(a.vals, -lo), _near0(a.vals, -hi)) <= MARGIN:
            return None
        return g.emit(f"L.clip({a}, {fmt(lo)}, {fmt(hi)})")
    b = g.partner(a, "fi")
    if b is None:
        return None
    off = offset(g, [_f(x) - _f(y) for x, y in zip(a.vals, b.vals)], lambda vs, o: _near0(vs, -o))
    if off is None:
        return None
    return g.emit(f"L.{which}({a}, {b}{off})")


def compare(g):
    """A comparison (a bool); float operands at least MARGIN apart."""
    a = g.pick("fi", hi=3, arith=False)
    if a is None:
        return None
    op = g.choice(["<", "<=", ">", ">=", "L.less", "L.greater", "L.greater_equal", "L.less_equal",
                   "L.equal", "L.not_equal"])
    b = g.partner(a, "fib" if a.kind == "b" else "fi", arith=False)
    if op in ("L.equal", "L.not_equal"):   # exact values only: ints and bools
        if a.kind == "f" or (b is not None and b.kind == "f"):
            return None
        return g.emit(f"{op}({a}, {b if b is not None else int(g.rng.integers(-1, 2))})")
    bt = b.name if b is not None else fmt(g.rng.uniform(-1, 1))
    bv = b.vals if b is not None else [float(bt)] * 2
    if (a.kind == "f" or (b is not None and b.kind == "f")) and _near0(
            [_f(x) - _f(y) for x, y in zip(a.vals, bv)], 0.0) <= MARGIN:
        return None
    return g.emit(f"{op}({a}, {bt})" if op.startswith("L.") else f"({a} {op} {bt})")


def logical(g):
    a = g.pick("b", hi=3, arith=False)
    if a is None:
        return None
    if g.rng.random() < 0.3:
        return g.emit(f"L.logical_not({a})")
    b = g.partner(a, "b", arith=False)
    return b and g.emit(f"L.{g.choice(['logical_and', 'logical_or'])}({a}, {b})")


def where(g):
    c = g.pick("b", hi=3, arith=False)
    if c is None:
        return None
    a = g.partner(c, "fi")
    if a is None:
        return None
    b = g.scalar_or_partner(a, "fi")
    return g.emit(f"L.where({c}, {a}, {b})" if g.rng.random() < 0.6 else f"L.where({c}, {b}, {a})")


def integer(g):
    """int64 arithmetic: +, -, *, a small power, %, and mixing an int with floats."""
    a = g.pick("ib", hi=3, arith=False)
    if a is None:
        return None
    b = g.partner(a, "i", arith=False)
    bt = b.name if b is not None else str(int(g.rng.integers(1, 4)))
    op = g.choice(["+", "-", "*", "**2", "%3"])
    if a.kind == "b" and op in ("-", "**2", "%3"):
        return None
    return g.emit(f"({a} {op} {bt})" if op in "+-*" else f"({a} {op})")


def cast(g):
    x = g.pick("fib", hi=3)
    if x is None:
        return None
    target = g.choice(["float64", "float32"])
    form = g.choice(["L.astype({x}, {t!r})", "{x}.astype({t!r})", "L.cast({x}, {t!r})"])
    return g.emit(form.format(x=x, t=target))


MOVES = [
    Move(unary, 6.0), Move(kinked, 1.5, exact=True), Move(binary, 5.0), Move(power, 1.0),
    Move(plane, 0.7), Move(extremum, 1.5, exact=True), Move(compare, 1.0, exact=True), Move(logical, 0.5),
    Move(where, 1.5), Move(integer, 0.7), Move(cast, 0.7),
]

"""Dimensions: ``int`` or ``str``.

A ``str`` is a *symbolic dimension*. A plain identifier (``"n"``) names a size
bound when a compiled function is called; a derived dimension is a canonical
integer polynomial in such names (``"n + 3"``, ``"m*n"``), produced by shape
rules such as ``concatenate`` and ``reshape``. SymPy canonicalises derived
dimensions so equal sizes compare equal as strings; results are cached, and
plain names never touch SymPy.

>>> dim_add("n", 3), dim_mul("n", "m"), dim_mul(2, 3)
('n + 3', 'm*n', 6)
"""

from __future__ import annotations

import functools
import keyword
import re
from typing import Mapping, Union

Dim = Union[int, str]
Shape = tuple  # tuple[Dim, ...]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_name(d: object) -> bool:
    """True for a plain symbolic name such as ``"n"``."""
    return isinstance(d, str) and _IDENT.fullmatch(d) is not None and not keyword.iskeyword(d)


def check_dim(d: object, where: str) -> Dim:
    """Validate one user-given dimension."""
    if isinstance(d, bool):
        raise TypeError(f"{where}: a dimension must be an int or a str, got {d!r}")
    if isinstance(d, int) or (hasattr(d, "__index__") and not isinstance(d, str)):
        d = int(d)
        if d < 0:
            raise ValueError(f"{where}: negative dimension {d}")
        return d
    if isinstance(d, str):
        if is_name(d):
            return d
        try:
            return _canon(d)
        except Exception:
            raise ValueError(f"{where}: {d!r} is not a valid symbolic dimension") from None
    raise TypeError(f"{where}: a dimension must be an int or a str, got {d!r}")


@functools.lru_cache(maxsize=4096)
def _sympy(d: str):
    import sympy

    names = {n: sympy.Symbol(n, integer=True, nonnegative=True) for n in _IDENT.findall(d)}
    return sympy.sympify(d, locals=names)


def _from_sympy(expr) -> Dim:
    if expr.is_Integer:
        return int(expr)
    return str(expr)


@functools.lru_cache(maxsize=4096)
def _canon(d: str) -> Dim:
    import sympy

    return _from_sympy(sympy.expand(_sympy(d)))


def _expr(d: Dim):
    import sympy

    return sympy.Integer(d) if isinstance(d, int) else _sympy(d)


_LINEAR = re.compile(r"(-?)(?:(\d+)\*)?([A-Za-z_][A-Za-z0-9_]*)(?: ([+-]) (\d+))?")
_LINEAR_NEG = re.compile(r"(\d+) - (?:(\d+)\*)?([A-Za-z_][A-Za-z0-9_]*)")


def _linear(d: Dim):
    """``(name, c, k)`` for ``c*name + k`` in SymPy's printed form (or an int: name None), else None."""
    if isinstance(d, int):
        return None, 0, d
    m = _LINEAR.fullmatch(d)
    if m and not keyword.iskeyword(m.group(3)):
        c = int(m.group(2) or 1) * (-1 if m.group(1) else 1)
        k = int(m.group(5) or 0) * (-1 if m.group(4) == "-" else 1)
        return m.group(3), c, k
    m = _LINEAR_NEG.fullmatch(d)
    if m and not keyword.iskeyword(m.group(3)):
        return m.group(3), -int(m.group(2) or 1), int(m.group(1))
    return None


def _linear_str(name: str, c: int, k: int) -> Dim:
    """``c*name + k`` printed as SymPy prints it (``2*n + 2``, ``n - 1``, ``5 - n``, ``-n - 1``)."""
    if c == 0:
        return k
    term = name if abs(c) == 1 else f"{abs(c)}*{name}"
    if c > 0:
        return term if k == 0 else f"{term} {'+' if k > 0 else '-'} {abs(k)}"
    if k > 0:
        return f"{k} - {term}"
    return f"-{term}" if k == 0 else f"-{term} - {abs(k)}"


def _fast(op: str, a: Dim, b: Dim) -> Dim | None:
    """The result without SymPy when both sides are linear in one name (SymPy's import costs ~1 s)."""
    la, lb = _linear(a), _linear(b)
    if la is None or lb is None:
        return None
    (na, ca, ka), (nb, cb, kb) = la, lb
    if op in "+-":
        if na and nb and na != nb:
            return None
        s = 1 if op == "+" else -1
        return _linear_str(na or nb, ca + s * cb, ka + s * kb)
    if na and nb:
        return None
    if na is None:   # a is an int
        return _linear_str(nb, ka * cb, ka * kb)
    return _linear_str(na, kb * ca, kb * ka)


@functools.lru_cache(maxsize=4096)
def _binary(op: str, a: Dim, b: Dim) -> Dim:
    fast = _fast(op, a, b)
    if fast is not None:
        return fast
    import sympy

    x, y = _expr(a), _expr(b)
    r = {"+": x + y, "-": x - y, "*": x * y}[op]
    return _from_sympy(sympy.expand(r))


def dim_add(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    if b == 0:
        return a
    if a == 0:
        return b
    return _binary("+", a, b)


def dim_sub(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return a - b
    if b == 0:
        return a
    return _binary("-", a, b)


def dim_mul(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if a == 1:
        return b
    if b == 1:
        return a
    return _binary("*", a, b)


def dims_product(dims) -> Dim:
    out: Dim = 1
    for d in dims:
        out = dim_mul(out, d)
    return out


@functools.lru_cache(maxsize=4096)
def dim_div_exact(a: Dim, b: Dim) -> Dim | None:
    """``a / b`` when it is an integer polynomial, else None."""
    import sympy

    if isinstance(a, int) and isinstance(b, int):
        return a // b if b and a % b == 0 else None
    q = sympy.cancel(_expr(a) / _expr(b))
    num, den = sympy.fraction(q)
    if den != 1 or not q.is_polynomial():
        return None
    if any(c.q != 1 for c in sympy.Poly(num, *num.free_symbols).coeffs()) if num.free_symbols else not num.is_Integer:
        return None
    return _from_sympy(sympy.expand(q))


@functools.lru_cache(maxsize=4096)
def _compiled(d: str):
    return compile(d, f"<dim {d}>", "eval")


def dim_eval(d: Dim, env: Mapping[str, int]) -> int:
    """The size of ``d`` given the bound names in ``env``."""
    if isinstance(d, int):
        return d
    if d in env:
        return env[d]
    try:
        return int(eval(_compiled(d), {"__builtins__": {}}, dict(env)))
    except NameError as e:
        raise ValueError(f"symbolic dimension {d!r} is not bound by any input") from e


def shape_eval(shape: Shape, env: Mapping[str, int]) -> tuple[int, ...]:
    return tuple(d if isinstance(d, int) else dim_eval(d, env) for d in shape)


def dim_str(d: Dim) -> str:
    return str(d) if isinstance(d, int) else repr(d)


def shape_str(shape: Shape) -> str:
    inner = ", ".join(dim_str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"

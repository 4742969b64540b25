"""Special functions and NumPy's other elementwise mathematics, each with its derivative rule.

Every derivative is written in symdiff's own operations, so every order closes:
``gammaln' = digamma``, ``digamma' = polygamma(1, .)``, ``polygamma(n, .)' = polygamma(n + 1, .)``.
Values follow SciPy (``erf``, ``gammaln``, ``polygamma``, ``xlogy``) and NumPy (the rest);
rounding functions have derivative 0, as NumPy's conventions (and JAX) have it.

>>> import symdiff as sd
>>> s = sd.scalar("s")
>>> print(f"{float(sd.evaluate(sd.grad(sd.gammaln(s), s), {s: 1.0})):.10f}")   # digamma(1) = -Euler's gamma
-0.5772156649
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from ..errors import shape_error
from ..graph import OPS, Node, as_node, const_like
from . import elementwise as ew
from ._util import lift

_TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)


def _scipy_special(name: str) -> staticmethod:
    """``scipy.special.<name>``, imported at its first call: ``import symdiff`` stays light (SciPy costs 0.1-0.5 s)."""
    def call(*args, **kwargs):
        import scipy.special

        return getattr(scipy.special, name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return staticmethod(call)


class Erf(ew.Unary):
    """The error function (``scipy.special.erf``). d/dx = 2/sqrt(pi) exp(-x**2)."""

    name = "erf"
    numpy_fn = _scipy_special("erf")

    def derivative(self, out, x):
        return ew.multiply(const_like(_TWO_OVER_SQRT_PI, out), ew.exp(ew.negative(ew.square(x))))


class Erfc(ew.Unary):
    """The complementary error function ``1 - erf(x)``, accurate for large x. d/dx = -2/sqrt(pi) exp(-x**2)."""

    name = "erfc"
    numpy_fn = _scipy_special("erfc")

    def derivative(self, out, x):
        return ew.multiply(const_like(-_TWO_OVER_SQRT_PI, out), ew.exp(ew.negative(ew.square(x))))


class Gammaln(ew.Unary):
    """``log|Gamma(x)|`` (``scipy.special.gammaln``; +inf at the poles 0, -1, -2 ...). d/dx = digamma(x)."""

    name = "gammaln"
    numpy_fn = _scipy_special("gammaln")

    def derivative(self, out, x):
        return polygamma(0, x)


class Polygamma(ew.FloatElementwise):
    """``polygamma(order, x)``: the (order+1)-th derivative of log Gamma; order 0 is digamma.

    d/dx = polygamma(order + 1, x). Values as ``scipy.special.polygamma`` (NaN at the poles
    0, -1, -2 ... where SciPy gives NaN, ±inf where it gives those).
    """

    name = "polygamma"
    nin = 1

    def infer(self, x, *, order):
        if not isinstance(order, int) or isinstance(order, bool) or order < 0:
            raise shape_error("polygamma", f"the order must be an int >= 0, got {order!r}")
        return super().infer(x)

    def impl(self, x, *, order):
        import scipy.special as sc

        x = np.asarray(x, dtype=dt.float_result(np.asarray(x).dtype))
        out = sc.digamma(x) if order == 0 else sc.polygamma(order, x)
        return np.asarray(out, dtype=x.dtype)

    def label(self, node):
        return f"polygamma{{order={node.kw['order']}}}"

    def vjp(self, ct, out, x, *, order):
        return [ew.multiply(ct, polygamma(order + 1, x))]

    def jvp(self, ts, out, x, *, order, nb=0):
        if ts[0] is None:
            return None
        return ew.multiply(lift(ts[0], x.ndim, out.ndim, nb), polygamma(order + 1, x))


class Log2(ew.Unary):
    """Base-2 logarithm (exact at powers of two, as ``numpy.log2``). d/dx = 1 / (x ln 2)."""

    name = "log2"
    numpy_fn = np.log2

    def derivative(self, out, x):
        return ew.divide(const_like(1.0 / np.log(2.0), out), x)


class Log10(ew.Unary):
    """Base-10 logarithm (``numpy.log10``). d/dx = 1 / (x ln 10)."""

    name = "log10"
    numpy_fn = np.log10

    def derivative(self, out, x):
        return ew.divide(const_like(1.0 / np.log(10.0), out), x)


class Exp2(ew.Unary):
    """``2 ** x`` (``numpy.exp2``). d/dx = 2**x ln 2."""

    name = "exp2"
    numpy_fn = np.exp2

    def derivative(self, out, x):
        return ew.multiply(const_like(np.log(2.0), out), out)


class Cbrt(ew.Unary):
    """Real cube root (``numpy.cbrt``; negative for negative x). d/dx = 1 / (3 cbrt(x)**2), +inf at 0."""

    name = "cbrt"
    numpy_fn = np.cbrt

    def derivative(self, out, x):
        return ew.divide(const_like(1.0 / 3.0, out), ew.square(out))


class _Rounding(ew.Elementwise):
    """A rounding function of floats: the same dtype out; derivative 0.

    ``floor``, ``ceil`` and ``trunc`` of integers and bools are the input itself, as in NumPy 2
    (the public functions return it without a node); ``rint`` of them is float64.
    """

    curvature = "none"

    kinds = "fib"

    def result_dtype(self, d):
        return dt.float_result(d)

    def impl(self, x):
        x = np.asarray(x)
        return self.numpy_fn(x.astype(dt.float_result(x.dtype)))

    def vjp(self, ct, out, x):
        return [None]

    def jvp(self, ts, out, x, nb=0):
        return None


class Floor(_Rounding):
    """Largest integer <= x (``numpy.floor``). Derivative 0."""

    name = "floor"
    numpy_fn = np.floor


class Ceil(_Rounding):
    """Smallest integer >= x (``numpy.ceil``). Derivative 0."""

    name = "ceil"
    numpy_fn = np.ceil


class Trunc(_Rounding):
    """x rounded towards 0 (``numpy.trunc``). Derivative 0."""

    name = "trunc"
    numpy_fn = np.trunc


class Rint(_Rounding):
    """x rounded to the nearest integer, halves to even (``numpy.rint``, ``numpy.round``). Derivative 0."""

    name = "rint"
    numpy_fn = np.rint


class Mod(ew.Elementwise):
    """``x mod y`` with the sign of ``y`` (``numpy.mod``, Python's ``%``). d/dx = 1, d/dy = -floor(x / y)."""

    name = "mod"
    curvature = "none"
    nin = 2
    kinds = "fi"
    numpy_fn = np.mod

    def partial(self, i, out, x, y):
        if i == 0:
            return const_like(1.0, out)
        return ew.negative(floor(ew.divide(x, y)))


class Arctan2(ew.FloatElementwise):
    """The angle of the point (x2, x1) (``numpy.arctan2(x1, x2)``). d/dx1 = x2 / r², d/dx2 = -x1 / r²."""

    name = "arctan2"
    nin = 2
    numpy_fn = np.arctan2

    def partial(self, i, out, y, x):
        r2 = ew.add(ew.square(y), ew.square(x))
        return ew.divide(x, r2) if i == 0 else ew.divide(ew.negative(y), r2)


class Hypot(ew.FloatElementwise):
    """``sqrt(x1**2 + x2**2)`` without overflow (``numpy.hypot``). d/dx_i = x_i / hypot, 0 at the origin."""

    name = "hypot"
    nin = 2
    numpy_fn = np.hypot

    def partial(self, i, out, x, y):
        v = (x, y)[i]
        zero = const_like(0.0, out)
        # at the origin: 0 (the subgradient JAX's abs also picks), not 0/0
        return ew.where(ew.equal(out, zero), zero, ew.divide(v, out))


class Logaddexp(ew.FloatElementwise):
    """``log(exp(x1) + exp(x2))`` without overflow (``numpy.logaddexp``). d/dx_i = exp(x_i - out)."""

    name = "logaddexp"
    nin = 2
    numpy_fn = np.logaddexp

    def partial(self, i, out, x, y):
        return ew.exp(ew.subtract((x, y)[i], out))


class Logaddexp2(ew.FloatElementwise):
    """``log2(2**x1 + 2**x2)`` without overflow (``numpy.logaddexp2``). d/dx_i = 2**(x_i - out)."""

    name = "logaddexp2"
    nin = 2
    numpy_fn = np.logaddexp2

    def partial(self, i, out, x, y):
        return exp2(ew.subtract((x, y)[i], out))


class Xlogy(ew.FloatElementwise):
    """``x * log(y)``, 0 where x is 0 (unless y is NaN), as ``scipy.special.xlogy``.

    d/dx = log(y), d/dy = x / y (0 where x is 0 and y > 0).
    """

    name = "xlogy"
    nin = 2
    numpy_fn = _scipy_special("xlogy")

    def partial(self, i, out, x, y):
        return ew.log(y) if i == 0 else ew.divide(x, y)


# ---------------------------------------------------------------- public API

erf = ew._unary("erf")
erfc = ew._unary("erfc")
gammaln = ew._unary("gammaln")
log2 = ew._unary("log2")
log10 = ew._unary("log10")
exp2 = ew._unary("exp2")
cbrt = ew._unary("cbrt")


def _integral_unchanged(name: str):
    op = OPS[name]

    def fn(x) -> Node:
        x = as_node(x)
        return x if x.dtype.kind in "iub" else op.make(x)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = type(op).__doc__
    return fn


floor = _integral_unchanged("floor")
ceil = _integral_unchanged("ceil")
trunc = _integral_unchanged("trunc")
rint = ew._unary("rint")
mod = ew._binary("mod")
remainder = mod
arctan2 = ew._binary("arctan2")
hypot = ew._binary("hypot")
logaddexp = ew._binary("logaddexp")
logaddexp2 = ew._binary("logaddexp2")
xlogy = ew._binary("xlogy")


def polygamma(n: int, x) -> Node:
    """``scipy.special.polygamma(n, x)``: the n-th derivative of digamma (n = 0: digamma itself).

    >>> import symdiff as sd
    >>> sd.polygamma(1, sd.scalar("x")).kw["order"]
    1
    """
    if isinstance(n, (np.integer,)):
        n = int(n)
    return OPS["polygamma"].make(as_node(x), order=n)


def digamma(x) -> Node:
    """``scipy.special.digamma``: the derivative of ``gammaln``. d/dx = polygamma(1, x).

    >>> import symdiff as sd
    >>> sd.digamma(sd.scalar("x")).op.name
    'polygamma'
    """
    return polygamma(0, x)


def round(x, decimals: int = 0) -> Node:  # noqa: A001  (NumPy's name)
    """``numpy.round``: halves to even; ``decimals`` digits after the point (negative: before it).

    Integers are returned unchanged for ``decimals >= 0``, as NumPy does. Derivative 0.

    >>> import symdiff as sd
    >>> sd.round(sd.vector("x", 2), 1).dtype
    dtype('float64')
    """
    x = as_node(x)
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an int, got {decimals!r}")
    decimals = int(decimals)
    if x.dtype.kind in "iub" and decimals >= 0:
        return x
    if decimals == 0:
        return rint(x)
    # NumPy's algorithm: scale by a power of ten (an exact integer), round half to even, scale back
    if decimals > 0:
        scale = 10.0 ** decimals
        return ew.divide(rint(ew.multiply(x, scale)), scale)
    scale = 10.0 ** -decimals
    out = ew.multiply(rint(ew.divide(x, scale)), scale)
    return ew.cast(out, x.dtype) if x.dtype.kind in "iub" else out


around = round


def log_sigmoid(x) -> Node:
    """``log(sigmoid(x)) = -softplus(-x)``, stable for large |x|. d/dx = sigmoid(-x).

    >>> import symdiff as sd
    >>> sd.log_sigmoid(sd.scalar("x")).op.name
    'negative'
    """
    from .nn import softplus

    x = as_node(x)
    if not dt.is_float(x.dtype):   # as sigmoid and softplus: integers and booleans give float64
        x = ew.cast(x, dt.float_result(x.dtype))
    return ew.negative(softplus(ew.negative(x)))


#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = [
    "arctan2", "around", "cbrt", "ceil", "digamma", "erf", "erfc", "exp2", "floor", "gammaln", "hypot",
    "log10", "log2", "log_sigmoid", "logaddexp", "logaddexp2", "mod", "polygamma", "remainder", "rint",
    "round", "trunc", "xlogy",
]

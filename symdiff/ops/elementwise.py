"""Elementwise operations: one family sharing broadcasting, dtype rules and derivatives.

A member supplies its NumPy function and its local derivative
``partial(i, out, *inputs)`` = d out / d input_i (broadcastable to the output).
The family turns that into a VJP (``ct * partial``) and a batched JVP
(``sum_i lift(t_i) * partial_i``), so one formula serves both modes and every
order. Linear members (add, subtract, negative, where) write their rules out.
"""

from __future__ import annotations

import functools
from typing import ClassVar

import numpy as np

from .. import dtypes as dt
from ..errors import shape_error
from ..graph import OPS, Node, Op, as_node, as_nodes, const_like
from ..shapes import broadcast_shapes
from . import unify
from ._util import lift


class Elementwise(Op):
    """Base class: NumPy broadcasting of ``nin`` inputs, one output."""

    sparsity = "elementwise"

    nin: ClassVar[int] = 1
    numpy_fn: ClassVar = None
    #: accepted input kinds: "f" float, "i" int64, "b" bool
    kinds: ClassVar[str] = "fib"

    def make(self, *inputs: Node, **params) -> Node:
        """The node, after a symbolic axis meeting a fixed size has been unified with it (``ops/unify.py``)."""
        if len(inputs) > 1 and any(isinstance(d, str) for x in inputs for d in x.shape):
            inputs = unify.unify_fixed_sizes(self.name, inputs)
        return super().make(*inputs, **params)

    def infer(self, *xs: Node):
        if self.nin and len(xs) != self.nin:
            raise TypeError(f"{self.name} takes {self.nin} inputs, got {len(xs)}")
        for x in xs:
            if x.dtype.kind not in self.kinds:
                raise shape_error(self.name, f"unsupported dtype {x.dtype}")
        shape = broadcast_shapes(self.name, *(x.shape for x in xs))
        return shape, self.result_dtype(*(x.dtype for x in xs))

    def result_dtype(self, *dtypes):
        return dt.promote(*dtypes)

    def impl(self, *values):
        return self.numpy_fn(*values)

    def partial(self, i: int, out: Node, *xs: Node) -> Node:
        raise NotImplementedError

    def vjp(self, ct, out, *xs):
        return [None if i in self.nondiff_inputs else multiply(ct, self.partial(i, out, *xs))
                for i in range(len(xs))]

    def jvp(self, tangents, out, *xs, nb=0):
        terms = [multiply(lift(t, xs[i].ndim, out.ndim, nb), self.partial(i, out, *xs))
                 for i, t in enumerate(tangents)
                 if t is not None and i not in self.nondiff_inputs]
        return _sum_terms(terms)


def _sum_terms(terms):
    if not terms:
        return None
    return functools.reduce(add, terms)


class FloatElementwise(Elementwise):
    """Members whose result is floating point (float64 for int/bool inputs)."""

    def result_dtype(self, *dtypes):
        return dt.float_result(*dtypes)

    def impl(self, *values):
        rt = dt.float_result(*(np.asarray(v).dtype for v in values))
        return self.numpy_fn(*(np.asarray(v, dtype=rt) for v in values))


class Unary(FloatElementwise):
    nin = 1

    def partial(self, i, out, x):
        return self.derivative(out, x)

    def derivative(self, out: Node, x: Node) -> Node:
        raise NotImplementedError


# ---------------------------------------------------------------- arithmetic


class Add(Elementwise):
    """``x + y`` with broadcasting. d/dx = d/dy = 1."""

    name = "add"
    curvature = "none"
    nin = 2
    numpy_fn = np.add

    def vjp(self, ct, out, x, y):
        return [ct, ct]

    def jvp(self, ts, out, x, y, nb=0):
        tx, ty = ts
        tx = None if tx is None else lift(tx, x.ndim, out.ndim, nb)
        ty = None if ty is None else lift(ty, y.ndim, out.ndim, nb)
        return _sum_terms([t for t in (tx, ty) if t is not None])


class AddN(Elementwise):
    """Sum of any number of arrays; the reverse pass uses it to add adjoints at a fork."""

    name = "add_n"
    curvature = "none"
    nin = 0

    def infer(self, *xs):
        if not xs:
            raise TypeError("add_n needs at least one input")
        return super().infer(*xs)

    def impl(self, *values):
        out = values[0] + values[1] if len(values) > 1 else np.array(values[0], copy=True)
        for v in values[2:]:
            out = out + v
        return out

    def vjp(self, ct, out, *xs):
        return [ct] * len(xs)

    def jvp(self, ts, out, *xs, nb=0):
        return _sum_terms([lift(t, x.ndim, out.ndim, nb) for t, x in zip(ts, xs) if t is not None])


class Subtract(Elementwise):
    """``x - y``. d/dx = 1, d/dy = -1. Two bools cannot be subtracted (as in NumPy)."""

    name = "subtract"
    curvature = "none"
    nin = 2
    numpy_fn = np.subtract

    def infer(self, x, y):
        if x.dtype == dt.BOOL and y.dtype == dt.BOOL:
            raise shape_error("subtract", "bool - bool is not supported (NumPy neither); use sd.logical_and / not_equal")
        return super().infer(x, y)

    def vjp(self, ct, out, x, y):
        return [ct, negative(ct)]

    def jvp(self, ts, out, x, y, nb=0):
        tx, ty = ts
        terms = []
        if tx is not None:
            terms.append(lift(tx, x.ndim, out.ndim, nb))
        if ty is not None:
            ty = negative(lift(ty, y.ndim, out.ndim, nb))
            terms.append(ty)
        return _sum_terms(terms)


class Negative(Elementwise):
    """``-x``."""

    name = "negative"
    curvature = "none"
    nin = 1
    numpy_fn = np.negative
    kinds = "fi"

    def vjp(self, ct, out, x):
        return [negative(ct)]

    def jvp(self, ts, out, x, nb=0):
        return negative(ts[0])


class Multiply(Elementwise):
    """``x * y``. d/dx = y, d/dy = x."""

    name = "multiply"
    curvature = ((0, 1),)
    nin = 2
    numpy_fn = np.multiply

    def partial(self, i, out, x, y):
        return y if i == 0 else x


class Divide(FloatElementwise):
    """True division ``x / y``. d/dx = 1/y, d/dy = -x/y**2 = -out/y."""

    name = "divide"
    curvature = ((0, 1), (1, 1))
    nin = 2
    numpy_fn = np.true_divide

    def vjp(self, ct, out, x, y):
        cx = divide(ct, y)
        return [cx, negative(multiply(cx, out))]

    def partial(self, i, out, x, y):
        return reciprocal(y) if i == 0 else negative(divide(out, y))


class Power(Elementwise):
    """``x ** y``. d/dx = y * x**(y-1); d/dy = log(x) * out, taken as 0 where x == 0 (as JAX)."""

    name = "power"
    nin = 2
    numpy_fn = np.power

    def impl(self, x, y):
        x, y = np.asarray(x), np.asarray(y)
        rt = dt.promote(x.dtype, y.dtype)
        if rt == dt.BOOL:  # NumPy has no bool power; x**y on bools is x or not y
            return np.power(x.astype(np.int64), y.astype(np.int64)).astype(bool)
        return np.power(x.astype(rt), y.astype(rt))

    def partial(self, i, out, x, y):
        if i == 0:
            if y.op.is_constant and np.all(y.kw["value"].array == 2):
                return multiply(const_like(2.0, out), x)
            return multiply(y, power(x, subtract(y, const_like(1.0, y) if dt.is_float(y.dtype) else 1)))
        safe_x = where(equal(x, const_like(0.0, x)), const_like(1.0, x), x)
        return multiply(log(safe_x), out)


class Square(Elementwise):
    """``x * x``. d/dx = 2x."""

    name = "square"
    curvature = ((0, 0),)
    numpy_fn = np.square

    def partial(self, i, out, x):
        return multiply(const_like(2.0, out), x)


class Reciprocal(FloatElementwise):
    """``1 / x`` (internal). d/dx = -out**2."""

    name = "reciprocal"
    numpy_fn = np.reciprocal

    def partial(self, i, out, x):
        return negative(square(out))


class Abs(Elementwise):
    """``|x|``. Derivative sign(x), with 1 at x == 0 (JAX's convention: x >= 0 selects +1)."""

    name = "abs"
    curvature = "none"
    numpy_fn = np.abs

    def partial(self, i, out, x):
        return where(greater_equal(x, const_like(0.0, x)), const_like(1.0, x), const_like(-1.0, x))


class Sign(Elementwise):
    """``sign(x)`` in {-1, 0, 1}. Its derivative is 0 everywhere (JAX's convention at 0)."""

    name = "sign"
    curvature = "none"
    numpy_fn = np.sign
    kinds = "fi"

    def vjp(self, ct, out, x):
        return [None]

    def jvp(self, ts, out, x, nb=0):
        return None


class Maximum(Elementwise):
    """Elementwise larger of ``x`` and ``y``.

    At a tie ``x == y`` each side gets half the derivative (JAX's convention).
    """

    name = "maximum"
    curvature = "none"
    nin = 2
    numpy_fn = np.maximum

    def partial(self, i, out, x, y):
        a, b = (x, y) if i == 0 else (y, x)
        return _chooser_partial(greater(a, b), equal(a, b), out)


class Minimum(Elementwise):
    """Elementwise smaller of ``x`` and ``y``; half the derivative to each side at a tie (JAX)."""

    name = "minimum"
    curvature = "none"
    nin = 2
    numpy_fn = np.minimum

    def partial(self, i, out, x, y):
        a, b = (x, y) if i == 0 else (y, x)
        return _chooser_partial(less(a, b), equal(a, b), out)


def _chooser_partial(wins: Node, tie: Node, out: Node) -> Node:
    return where(wins, const_like(1.0, out), where(tie, const_like(0.5, out), const_like(0.0, out)))


class Where(Elementwise):
    """``x`` where ``cond`` else ``y``. No derivative flows into ``cond``."""

    name = "where"
    curvature = "none"
    nin = 3
    numpy_fn = staticmethod(np.where)
    nondiff_inputs = (0,)

    def infer(self, c, x, y):
        if c.dtype != dt.BOOL:
            raise shape_error("where", f"the condition must be bool, got {c.dtype}")
        shape = broadcast_shapes("where", c.shape, x.shape, y.shape)
        return shape, dt.promote(x.dtype, y.dtype)

    def vjp(self, ct, out, c, x, y):
        zero = const_like(0.0, ct)
        return [None, where(c, ct, zero), where(c, zero, ct)]

    def jvp(self, ts, out, c, x, y, nb=0):
        _, tx, ty = ts
        if tx is None and ty is None:
            return None
        zero = const_like(0.0, out)
        tx = zero if tx is None else lift(tx, x.ndim, out.ndim, nb)
        ty = zero if ty is None else lift(ty, y.ndim, out.ndim, nb)
        return where(c, tx, ty)


class Cast(Elementwise):
    """Conversion to another dtype (``x.astype(dtype)``)."""

    name = "cast"
    curvature = "none"

    def infer(self, x, *, dtype):
        return x.shape, dtype

    def impl(self, x, *, dtype):
        return np.asarray(x).astype(dtype)

    def vjp(self, ct, out, x, *, dtype):
        return [cast(ct, x.dtype)] if dt.is_float(x.dtype) else [None]

    def jvp(self, ts, out, x, *, dtype, nb=0):
        return cast(ts[0], dtype)


# ------------------------------------------------------------ comparisons


class Comparison(Elementwise):
    """Base of comparisons: bool output, never differentiated."""

    nin = 2
    differentiable = False

    def result_dtype(self, *dtypes):
        return dt.BOOL


class Less(Comparison):
    """``x < y`` elementwise (bool result; no derivative)."""

    name = "less"
    numpy_fn = np.less


class LessEqual(Comparison):
    """``x <= y`` elementwise (bool result; no derivative)."""

    name = "less_equal"
    numpy_fn = np.less_equal


class Greater(Comparison):
    """``x > y`` elementwise (bool result; no derivative)."""

    name = "greater"
    numpy_fn = np.greater


class GreaterEqual(Comparison):
    """``x >= y`` elementwise (bool result; no derivative)."""

    name = "greater_equal"
    numpy_fn = np.greater_equal


class Equal(Comparison):
    """``x == y`` elementwise, as ``numpy.equal`` (bool result; no derivative)."""

    name = "equal"
    numpy_fn = np.equal


class NotEqual(Comparison):
    """``x != y`` elementwise, as ``numpy.not_equal`` (bool result; no derivative)."""

    name = "not_equal"
    numpy_fn = np.not_equal


class LogicalAnd(Comparison):
    """Elementwise logical and (bool result)."""

    name = "logical_and"
    numpy_fn = np.logical_and


class LogicalOr(Comparison):
    """Elementwise logical or (bool result)."""

    name = "logical_or"
    numpy_fn = np.logical_or


class LogicalNot(Comparison):
    """Elementwise logical not (bool result)."""

    name = "logical_not"
    nin = 1
    numpy_fn = np.logical_not


# ------------------------------------------------------- transcendental


class Exp(Unary):
    """``e ** x``. d/dx = exp(x): the rule reuses the output node."""

    name = "exp"
    numpy_fn = np.exp

    def derivative(self, out, x):
        return out


class Log(Unary):
    """Natural logarithm. d/dx = 1/x."""

    name = "log"
    numpy_fn = np.log

    def vjp(self, ct, out, x):
        return [divide(ct, x)]

    def derivative(self, out, x):
        return reciprocal(x)


class Log1p(Unary):
    """``log(1 + x)``, accurate for small x. d/dx = 1/(1 + x)."""

    name = "log1p"
    numpy_fn = np.log1p

    def derivative(self, out, x):
        return reciprocal(add(x, 1.0))


class Expm1(Unary):
    """``exp(x) - 1``, accurate for small x. d/dx = exp(x) = out + 1."""

    name = "expm1"
    numpy_fn = np.expm1

    def derivative(self, out, x):
        return add(out, 1.0)


class Sqrt(Unary):
    """Square root. d/dx = 0.5 / sqrt(x), and +inf at x = ±0 (the sign of zero does not pick the side)."""

    name = "sqrt"
    numpy_fn = np.sqrt

    def derivative(self, out, x):
        # at -0.0, 0.5 / sqrt(x) would be -inf, and code compiled without signed zeros may give
        # either sign: +inf at both zeros, as pow's rule gives for x ** 0.5
        return where(equal(out, const_like(0.0, out)), const_like(np.inf, out),
                     divide(const_like(0.5, out), out))


class Sin(Unary):
    """Sine. d/dx = cos(x)."""

    name = "sin"
    numpy_fn = np.sin

    def derivative(self, out, x):
        return cos(x)


class Cos(Unary):
    """Cosine. d/dx = -sin(x)."""

    name = "cos"
    numpy_fn = np.cos

    def derivative(self, out, x):
        return negative(sin(x))


class Tan(Unary):
    """Tangent. d/dx = 1 + tan(x)**2."""

    name = "tan"
    numpy_fn = np.tan

    def derivative(self, out, x):
        return add(square(out), 1.0)


class Arcsin(Unary):
    """Inverse sine. d/dx = 1/sqrt(1 - x**2)."""

    name = "arcsin"
    numpy_fn = np.arcsin

    def derivative(self, out, x):
        return reciprocal(sqrt(subtract(1.0, square(x))))


class Arccos(Unary):
    """Inverse cosine. d/dx = -1/sqrt(1 - x**2)."""

    name = "arccos"
    numpy_fn = np.arccos

    def derivative(self, out, x):
        return negative(reciprocal(sqrt(subtract(1.0, square(x)))))


class Arctan(Unary):
    """Inverse tangent. d/dx = 1/(1 + x**2)."""

    name = "arctan"
    numpy_fn = np.arctan

    def derivative(self, out, x):
        return reciprocal(add(square(x), 1.0))


class Sinh(Unary):
    """Hyperbolic sine. d/dx = cosh(x)."""

    name = "sinh"
    numpy_fn = np.sinh

    def derivative(self, out, x):
        return cosh(x)


class Cosh(Unary):
    """Hyperbolic cosine. d/dx = sinh(x)."""

    name = "cosh"
    numpy_fn = np.cosh

    def derivative(self, out, x):
        return sinh(x)


class Tanh(Unary):
    """Hyperbolic tangent. d/dx = 1 - tanh(x)**2."""

    name = "tanh"
    numpy_fn = np.tanh

    def derivative(self, out, x):
        return subtract(1.0, square(out))


# ---------------------------------------------------------------- public API


def _binary(name: str):
    op = OPS[name]

    def fn(x, y) -> Node:
        return op.make(*as_nodes(x, y))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = type(op).__doc__
    return fn


def _unary(name: str):
    op = OPS[name]

    def fn(x) -> Node:
        return op.make(as_node(x))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = type(op).__doc__
    return fn


add = _binary("add")
subtract = _binary("subtract")
multiply = _binary("multiply")
divide = _binary("divide")
power = _binary("power")
maximum = _binary("maximum")
minimum = _binary("minimum")
less = _binary("less")
less_equal = _binary("less_equal")
greater = _binary("greater")
greater_equal = _binary("greater_equal")
equal = _binary("equal")
not_equal = _binary("not_equal")
logical_and = _binary("logical_and")
logical_or = _binary("logical_or")
logical_not = _unary("logical_not")
negative = _unary("negative")
square = _unary("square")
reciprocal = _unary("reciprocal")
abs = _unary("abs")
sign = _unary("sign")
exp = _unary("exp")
log = _unary("log")
log1p = _unary("log1p")
expm1 = _unary("expm1")
sqrt = _unary("sqrt")
sin = _unary("sin")
cos = _unary("cos")
tan = _unary("tan")
arcsin = _unary("arcsin")
arccos = _unary("arccos")
arctan = _unary("arctan")
sinh = _unary("sinh")
cosh = _unary("cosh")
tanh = _unary("tanh")


def where(cond, x, y) -> Node:
    """``x`` where ``cond`` is true, else ``y`` (NumPy ``where`` with three arguments).

    No derivative flows into ``cond``.

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> sd.where(x > 0, x, 0.0).shape
    (3,)
    """
    c = as_node(cond)
    if c.dtype != dt.BOOL:
        c = not_equal(c, 0)
    xn, yn = as_nodes(x, y)
    return OPS["where"].make(c, xn, yn)


#: inputs of one ``add_n`` node; a longer sum is a tree of them (a backend can then cut it
#: into pieces: the adjoint of a parameter used in every step of a long chain sums thousands)
ADD_N_WIDTH = 64


def add_n(*xs) -> Node:
    """Sum of several arrays in one node (used for adjoints that meet at a fork).

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> add_n(x, x, x).op.name
    'add_n'
    """
    if len(xs) == 1:
        return as_node(xs[0])
    nodes = as_nodes(*xs)
    while len(nodes) > ADD_N_WIDTH:
        nodes = [OPS["add_n"].make(*nodes[k:k + ADD_N_WIDTH]) if len(nodes[k:k + ADD_N_WIDTH]) > 1
                 else nodes[k] for k in range(0, len(nodes), ADD_N_WIDTH)]
    return OPS["add_n"].make(*nodes)


def cast(x, dtype) -> Node:
    """``x`` converted to ``dtype`` (a no-op node is not created for the same dtype)."""
    x = as_node(x)
    dtype = dt.as_dtype(dtype)
    if x.dtype == dtype:
        return x
    return OPS["cast"].make(x, dtype=dtype)


astype = cast


def clip(x, a_min=None, a_max=None) -> Node:
    """Limit values to ``[a_min, a_max]``: ``minimum(maximum(x, a_min), a_max)``.

    Defined from maximum and minimum as ``jnp.clip`` is, so at a boundary
    (``x == a_min`` or ``x == a_max``) the derivative is 0.5 to each side
    (JAX's tie convention).

    >>> import symdiff as sd
    >>> sd.clip(sd.vector("x", 3), 0.0, 1.0).shape
    (3,)
    """
    out = as_node(x)
    if a_min is None and a_max is None:
        raise ValueError("clip: at least one of a_min and a_max must be given")
    bounds = [as_node(b, out.dtype) for b in (a_min, a_max) if b is not None]
    broadcast_shapes("clip", out.shape, *(b.shape for b in bounds))
    if a_min is not None:
        out = maximum(out, a_min)
    if a_max is not None:
        out = minimum(out, a_max)
    return out

#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = [
    "abs",
    "add",
    "add_n",
    "arccos",
    "arcsin",
    "arctan",
    "astype",
    "cast",
    "clip",
    "cos",
    "cosh",
    "divide",
    "equal",
    "exp",
    "expm1",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "log",
    "log1p",
    "logical_and",
    "logical_not",
    "logical_or",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "not_equal",
    "power",
    "reciprocal",
    "sign",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "subtract",
    "tan",
    "tanh",
    "where",
]

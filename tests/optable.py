"""The operation table that drives the generic per-operation tests.

One :class:`OpCase` row per (operation, semantic variant). Each row holds

* ``fn(*symbols) -> node``: builds the expression through the public API only;
* ``ref(*arrays) -> array``: the NumPy oracle for the same expression;
* ``args``: one :class:`Arg` per input symbol (shape, dtype and a sampler that
  encodes the domain: positive for ``log``, ``(-0.9, 0.9)`` for ``arcsin``,
  a lattice away from kinks for ``abs``/``relu``/``maximum``/``clip``...,
  well-separated distinct values for ``max``/``min`` reductions);
* ``differentiable``: which inputs the derivative tests differentiate by
  (default: every float64 input when the result is float64, otherwise none);
* tolerances.

Data lives here, logic lives in ``test_ops_values.py`` and
``test_ops_derivatives.py`` (one checker for every row). Builders look the
library up lazily (``sd.<name>`` inside a lambda) so that an operation that
does not exist yet fails only its own rows.

The oracle is always NumPy (values) or finite differences of the NumPy oracle
(derivatives), never the library's own output.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

import symdiff as sd

Sampler = Callable[[np.random.Generator, tuple], np.ndarray]

# ---------------------------------------------------------------------------
# Samplers (domains)
# ---------------------------------------------------------------------------


def uniform(lo: float, hi: float) -> Sampler:
    """Uniform on ``(lo, hi)``."""

    def sample(rng, shape):
        return rng.uniform(lo, hi, size=shape)

    sample.__name__ = f"uniform({lo},{hi})"
    return sample


REAL = uniform(-2.0, 2.0)
POSITIVE = uniform(0.5, 2.0)
UNIT = uniform(-0.9, 0.9)


def lattice(offset: float, spacing: float = 0.4, kmin: int = -5, kmax: int = 5,
            jitter: float = 0.05) -> Sampler:
    """``offset + spacing * k + U(-jitter, jitter)`` for integer ``k`` in ``[kmin, kmax)``.

    Two lattices whose offsets differ by ``spacing / 2`` never come closer than
    ``spacing / 2 - 2 * jitter`` (0.1 by default): used for ``maximum``/``minimum``
    and ``clip`` so that finite differences never straddle a tie. With offset
    0.2 the values stay at least 0.15 away from every multiple of 0.4, in
    particular from 0 (kink of ``abs``, ``relu``, ``sign``).
    """

    def sample(rng, shape):
        k = rng.integers(kmin, kmax, size=shape)
        return offset + spacing * k + rng.uniform(-jitter, jitter, size=shape)

    sample.__name__ = f"lattice({offset})"
    return sample


AWAY0 = lattice(0.2)      # |x| >= 0.15: away from the kink at 0
LAT_A = lattice(0.0)      # LAT_A and LAT_B are >= 0.1 apart everywhere
LAT_B = lattice(0.2)


def nonzero(lo: float = 0.5, hi: float = 2.0) -> Sampler:
    """``+-U(lo, hi)``: away from zero (denominators, negative powers)."""

    def sample(rng, shape):
        sign = np.where(rng.random(size=shape) < 0.5, -1.0, 1.0)
        return sign * rng.uniform(lo, hi, size=shape)

    return sample


NONZERO = nonzero()


def distinct(spacing: float = 0.3, jitter: float = 0.05) -> Sampler:
    """All entries pairwise at least ``spacing - 2 * jitter`` apart (no ties in max/min)."""

    def sample(rng, shape):
        n = int(np.prod(shape, dtype=np.int64))
        vals = (np.arange(n) - (n - 1) / 2.0) * spacing
        vals = rng.permutation(vals) + rng.uniform(-jitter, jitter, size=n)
        return vals.reshape(shape)

    return sample


DISTINCT = distinct()


def integers(lo: int, hi: int) -> Sampler:
    """Integers in ``[lo, hi)`` (as float64 when the Arg is float: gives ties for comparisons)."""

    def sample(rng, shape):
        return rng.integers(lo, hi, size=shape)

    return sample


SMALL_INT = integers(-3, 4)


def boolean(rng, shape):
    return rng.random(size=shape) < 0.5


def with_zeros(base: Sampler, *positions: tuple) -> Sampler:
    """``base`` with exact zeros at ``positions`` (prod derivative at zeros)."""

    def sample(rng, shape):
        a = np.array(base(rng, shape), dtype=np.float64)
        for p in positions:
            if all(i < d for i, d in zip(p, a.shape)):   # small sizes (0 and 1) may not reach it
                a[p] = 0.0
        return a

    return sample


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


def _dim_size(d, sizes: dict) -> int:
    if not isinstance(d, str):
        return int(d)
    if d in sizes:
        return sizes[d]
    # a derived dimension such as 'k - 1' (slicing a symbolic axis): evaluate it
    return int(eval(d, {"__builtins__": {}}, dict(sizes)))


def concrete(shape, sizes: dict) -> tuple:
    """``shape`` with symbolic dimensions (strings) replaced by their sizes."""
    return tuple(_dim_size(d, sizes) for d in shape)


@dataclass(frozen=True)
class Arg:
    """One input symbol of a case. ``shape`` may hold symbolic dimensions (str)."""

    shape: tuple
    dtype: str = "float64"
    sample: Sampler | None = None

    def draw(self, rng: np.random.Generator, sizes: dict | None = None) -> np.ndarray:
        shape = concrete(self.shape, sizes or {})
        if self.sample is not None:
            raw = self.sample(rng, shape)
        elif self.dtype == "bool":
            raw = boolean(rng, shape)
        elif self.dtype == "int64":
            raw = SMALL_INT(rng, shape)
        else:
            raw = REAL(rng, shape)
        out = np.asarray(raw).astype(self.dtype)
        assert out.shape == shape
        return out


NAMES = "abcdefgh"


@dataclass(frozen=True)
class OpCase:
    id: str
    fn: Callable[..., Any]
    ref: Callable[..., Any]
    args: tuple = ()
    differentiable: tuple | None = None  # None: all float64 args if the result is float64
    dtype: str | None = None             # expected result dtype; None: the oracle's dtype
    rtol: float | None = None            # value tolerances (None: by dtype)
    atol: float | None = None
    grad_rtol: float = 1e-5
    grad_atol: float = 1e-6
    hess_rtol: float = 1e-4
    hess_atol: float = 1e-5
    sizes: tuple = ()       # ((name, size), ...) for symbolic dimensions in the args' shapes
    alt_sizes: tuple = ()   # other sizes: the same compiled function must serve them too
    forward_only: bool = False  # no reverse mode (while_loop): only the forward-mode tests run

    # -- helpers used by the checkers ---------------------------------------
    def symbols(self) -> list:
        syms = []
        for i, a in enumerate(self.args):
            name = NAMES[i]
            shape = tuple(a.shape)
            if len(shape) == 0:
                syms.append(sd.scalar(name, dtype=a.dtype))
            elif len(shape) == 1:
                syms.append(sd.vector(name, shape[0], dtype=a.dtype))
            elif len(shape) == 2:
                syms.append(sd.matrix(name, shape, dtype=a.dtype))
            else:
                syms.append(sd.tensor(name, shape, dtype=a.dtype))
        return syms

    def rng(self, *salt) -> np.random.Generator:
        key = "/".join([self.id, *map(str, salt)])
        return np.random.default_rng(zlib.crc32(key.encode()))

    def sample(self, *salt, sizes: dict | None = None) -> list:
        rng = self.rng("inputs", *salt)
        sizes = dict(self.sizes) if sizes is None else sizes
        return [a.draw(rng, sizes) for a in self.args]

    def resolve(self, shape, sizes: dict | None = None) -> tuple:
        """A node's shape with its symbolic dimensions replaced by this case's sizes."""
        return concrete(shape, dict(self.sizes) if sizes is None else sizes)

    def oracle(self, *arrays) -> np.ndarray:
        out = np.asarray(self.ref(*arrays))
        if self.dtype is not None:
            out = out.astype(self.dtype)
        return out

    def expected_dtype(self) -> np.dtype:
        if self.dtype is not None:
            return np.dtype(self.dtype)
        return self.oracle(*self.sample()).dtype

    def diff_args(self) -> tuple:
        if self.differentiable is not None:
            return tuple(self.differentiable)
        if self.expected_dtype() != np.float64:
            return ()
        return tuple(i for i, a in enumerate(self.args) if a.dtype == "float64")

    def value_tols(self, dtype: np.dtype) -> tuple:
        if dtype == np.float32:
            rtol, atol = 2e-5, 2e-6
        else:
            rtol, atol = 1e-10, 1e-12
        return (self.rtol if self.rtol is not None else rtol,
                self.atol if self.atol is not None else atol)


CASES: list[OpCase] = []


def case(id: str, fn, ref, *args: Arg, **kw) -> None:
    CASES.append(OpCase(id, fn, ref, tuple(args), **kw))


A = Arg


def _sdf(name: str):
    """``sd.<name>`` looked up at build time (missing ops fail only their rows)."""
    return lambda *xs, **kw: getattr(sd, name)(*xs, **kw)


# ---------------------------------------------------------------------------
# NumPy oracles for composite operations
# ---------------------------------------------------------------------------


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_relu(x):
    return np.maximum(x, 0)


def np_softplus(x):
    return np.logaddexp(0, x)


def np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    r = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if keepdims:
        return r
    if axis is None:
        return r.reshape(())
    return np.squeeze(r, axis=axis)


def np_softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def np_log_softmax(x, axis=-1):
    return x - np_logsumexp(x, axis=axis, keepdims=True)


def np_clip(x, lo, hi):
    # jnp.clip / the conventions doc: minimum(maximum(x, lo), hi)
    return np.minimum(np.maximum(x, lo), hi)


# ---------------------------------------------------------------------------
# Elementwise unary
# ---------------------------------------------------------------------------

UNARY = [
    # name, numpy oracle, domain
    ("negative", np.negative, REAL),
    ("exp", np.exp, REAL),
    ("log", np.log, POSITIVE),
    ("log1p", np.log1p, uniform(-0.5, 2.0)),
    ("expm1", np.expm1, REAL),
    ("sqrt", np.sqrt, POSITIVE),
    ("square", np.square, REAL),
    ("sin", np.sin, REAL),
    ("cos", np.cos, REAL),
    ("tan", np.tan, uniform(-1.2, 1.2)),
    ("arcsin", np.arcsin, UNIT),
    ("arccos", np.arccos, UNIT),
    ("arctan", np.arctan, REAL),
    ("sinh", np.sinh, REAL),
    ("cosh", np.cosh, REAL),
    ("tanh", np.tanh, REAL),
    ("abs", np.abs, AWAY0),
    ("sign", np.sign, AWAY0),
]
_UNARY_DOMAIN = {name: dom for name, _, dom in UNARY}
_UNARY_REF = {name: ref for name, ref, _ in UNARY}

for _name, _ref, _dom in UNARY:
    case(f"{_name}", _sdf(_name), _ref, A((2, 3), sample=_dom))

# other ranks
for _name in ("exp", "log", "sin", "tanh", "sqrt", "abs", "arcsin"):
    case(f"{_name}_0d", _sdf(_name), _UNARY_REF[_name], A((), sample=_UNARY_DOMAIN[_name]))
for _name in ("cos", "log1p", "expm1", "square"):
    case(f"{_name}_3d", _sdf(_name), _UNARY_REF[_name], A((2, 3, 4), sample=_UNARY_DOMAIN[_name]))
case("exp_1d", _sdf("exp"), np.exp, A((4,)))

# operator spellings
case("neg_operator", lambda x: -x, np.negative, A((2, 3)))
case("neg_operator_0d", lambda x: -x, np.negative, A(()))
case("abs_builtin", lambda x: abs(x), np.abs, A((2, 3), sample=AWAY0))

# dtypes: float32 stays float32; float functions on int/bool give float64;
# integer-preserving functions keep int64.
for _name in ("exp", "log", "sqrt", "sin", "tanh", "arctan", "negative", "abs", "sign",
              "square", "expm1"):
    case(f"{_name}_float32", _sdf(_name), _UNARY_REF[_name],
         A((2, 3), "float32", _UNARY_DOMAIN[_name]))
for _name in ("exp", "sin", "tanh", "cos", "arctan"):
    case(f"{_name}_int64", _sdf(_name), lambda x, _f=_UNARY_REF[_name]: _f(x.astype(np.float64)),
         A((2, 3), "int64"), dtype="float64")
case("log_int64", _sdf("log"), lambda x: np.log(x.astype(np.float64)),
     A((2, 3), "int64", integers(1, 6)), dtype="float64")
case("sqrt_int64", _sdf("sqrt"), lambda x: np.sqrt(x.astype(np.float64)),
     A((2, 3), "int64", integers(0, 10)), dtype="float64")
case("exp_bool", _sdf("exp"), lambda x: np.exp(x.astype(np.float64)),
     A((2, 3), "bool"), dtype="float64")
case("sin_bool", _sdf("sin"), lambda x: np.sin(x.astype(np.float64)),
     A((3,), "bool"), dtype="float64")
for _name in ("negative", "abs", "sign", "square"):
    case(f"{_name}_int64", _sdf(_name), _UNARY_REF[_name], A((2, 3), "int64"))
case("neg_operator_int64", lambda x: -x, np.negative, A((2, 3), "int64"))
case("neg_operator_float32", lambda x: -x, np.negative, A((2, 3), "float32"))
case("abs_builtin_int64", lambda x: abs(x), np.abs, A((4,), "int64"))

# ---------------------------------------------------------------------------
# Elementwise binary
# ---------------------------------------------------------------------------

BINARY = [
    # name, operator spelling (or None), numpy oracle, domain a, domain b
    ("add", lambda a, b: a + b, np.add, REAL, REAL),
    ("subtract", lambda a, b: a - b, np.subtract, REAL, REAL),
    ("multiply", lambda a, b: a * b, np.multiply, REAL, REAL),
    ("divide", lambda a, b: a / b, np.divide, REAL, NONZERO),
    ("power", lambda a, b: a ** b, np.power, POSITIVE, REAL),
    ("maximum", None, np.maximum, LAT_A, LAT_B),
    ("minimum", None, np.minimum, LAT_A, LAT_B),
]

for _name, _op, _ref, _da, _db in BINARY:
    case(f"{_name}", _sdf(_name), _ref, A((2, 3), sample=_da), A((2, 3), sample=_db))
    case(f"{_name}_bcast_col_row", _sdf(_name), _ref, A((3, 1), sample=_da), A((4,), sample=_db))
    case(f"{_name}_bcast_scalar_matrix", _sdf(_name), _ref, A((), sample=_da), A((2, 3), sample=_db))
    case(f"{_name}_0d", _sdf(_name), _ref, A((), sample=_da), A((), sample=_db))
    case(f"{_name}_bcast_3d", _sdf(_name), _ref, A((2, 1, 4), sample=_da), A((3, 1), sample=_db))
    if _op is not None:
        case(f"{_name}_operator", _op, _ref, A((2, 3), sample=_da), A((3,), sample=_db))

# Python scalars mixed in (weakly typed, NEP 50)
case("radd_pyfloat", lambda x: 2.0 + x, lambda x: 2.0 + x, A((2, 3)))
case("add_pyfloat", lambda x: x + 1.5, lambda x: x + 1.5, A((2, 3)))
case("add_fn_pyfloat", lambda x: sd.add(x, 1.5), lambda x: np.add(x, 1.5), A((2, 3)))
case("rsub_pyfloat", lambda x: 1.0 - x, lambda x: 1.0 - x, A((2, 3)))
case("sub_pyint", lambda x: x - 1, lambda x: x - 1, A((2, 3)))
case("mul_pyfloat", lambda x: x * 3.0, lambda x: x * 3.0, A((2, 3)))
case("rmul_pyint", lambda x: 3 * x, lambda x: 3 * x, A((2, 3)))
case("div_pyfloat", lambda x: x / 4.0, lambda x: x / 4.0, A((2, 3)))
case("rdiv_pyfloat", lambda x: 2.0 / x, lambda x: 2.0 / x, A((2, 3), sample=NONZERO))
case("divide_fn_pyfloat_first", lambda x: sd.divide(1.0, x), lambda x: np.divide(1.0, x),
     A((3,), sample=NONZERO))
case("pow_pyint2", lambda x: x ** 2, lambda x: x ** 2, A((2, 3)))
case("pow_pyint3_negative_base", lambda x: x ** 3, lambda x: x ** 3, A((2, 3)))
case("pow_pyfloat_half", lambda x: x ** 0.5, lambda x: x ** 0.5, A((2, 3), sample=POSITIVE))
case("pow_pyint_minus1", lambda x: x ** -1, lambda x: x ** -1.0, A((2, 3), sample=NONZERO))
case("rpow_pyfloat", lambda x: 2.0 ** x, lambda x: 2.0 ** x, A((2, 3)))
case("power_fn_pyfloat_base", lambda x: sd.power(1.5, x), lambda x: np.power(1.5, x), A((3,)))
case("maximum_pyfloat", lambda x: sd.maximum(x, 0.1), lambda x: np.maximum(x, 0.1),
     A((2, 3), sample=AWAY0))
case("maximum_pyfloat_first", lambda x: sd.maximum(0.1, x), lambda x: np.maximum(0.1, x),
     A((2, 3), sample=AWAY0))
case("minimum_pyfloat", lambda x: sd.minimum(x, -0.1), lambda x: np.minimum(x, -0.1),
     A((2, 3), sample=AWAY0))
# NumPy arrays mixed in (arrays are not weak: they take part in promotion)
case("add_ndarray_right", lambda x: x + np.arange(3.0), lambda x: x + np.arange(3.0), A((2, 3)))
case("add_ndarray_left", lambda x: np.arange(3.0) + x, lambda x: np.arange(3.0) + x, A((2, 3)))
case("mul_ndarray_left", lambda x: np.arange(1.0, 4.0) * x, lambda x: np.arange(1.0, 4.0) * x,
     A((2, 3)))
case("sub_ndarray_left", lambda x: np.ones((2, 1)) - x, lambda x: np.ones((2, 1)) - x, A((3,)))
case("add_int_ndarray_float32", lambda x: x + np.arange(3), lambda x: x + np.arange(3),
     A((2, 3), "float32"))
case("add_float_ndarray_float32", lambda x: x + np.arange(3.0), lambda x: x + np.arange(3.0),
     A((2, 3), "float32"))

# dtype promotion
case("add_float32", _sdf("add"), np.add, A((2, 3), "float32"), A((2, 3), "float32"))
case("add_float32_float64", _sdf("add"), np.add, A((2, 3), "float32"), A((3,)))
case("mul_float32_int64", lambda a, b: a * b, np.multiply, A((2, 3), "float32"), A((2, 3), "int64"))
case("add_int64", lambda a, b: a + b, np.add, A((2, 3), "int64"), A((3,), "int64"))
case("sub_int64", _sdf("subtract"), np.subtract, A((2, 3), "int64"), A((2, 3), "int64"))
case("mul_int64", _sdf("multiply"), np.multiply, A((2, 3), "int64"), A((2, 3), "int64"))
case("add_bool_int64", lambda a, b: a + b, np.add, A((2, 3), "bool"), A((2, 3), "int64"))
case("mul_bool_float64", lambda a, b: a * b, np.multiply, A((2, 3), "bool"), A((2, 3)),
     differentiable=(1,))
case("mul_int64_float64", lambda a, b: a * b, np.multiply, A((2, 3), "int64"), A((3,)),
     differentiable=(1,))
case("div_int64", lambda a, b: a / b, np.divide, A((2, 3), "int64"),
     A((2, 3), "int64", integers(1, 5)))
case("divide_float32", _sdf("divide"), np.divide, A((2, 3), "float32"),
     A((2, 3), "float32", NONZERO))
case("pow_int64_pyint", lambda x: x ** 2, lambda x: x ** 2, A((2, 3), "int64"))
case("power_int64", _sdf("power"), np.power, A((2, 3), "int64"), A((2, 3), "int64", integers(0, 3)))
case("power_float32", _sdf("power"), np.power, A((2, 3), "float32", POSITIVE),
     A((2, 3), "float32"))
case("mul_float32_pyfloat_weak", lambda x: x * 2.0, lambda x: x * 2.0, A((2, 3), "float32"))
case("add_float32_pyint_weak", lambda x: x + 2, lambda x: x + 2, A((2, 3), "float32"))
case("rsub_float32_pyfloat_weak", lambda x: 1.5 - x, lambda x: 1.5 - x, A((2, 3), "float32"))
case("div_float32_pyint_weak", lambda x: x / 3, lambda x: x / 3, A((2, 3), "float32"))
case("mul_int64_pyfloat", lambda x: x * 2.5, lambda x: x * 2.5, A((2, 3), "int64"))
case("add_int64_pyint", lambda x: x + 2, lambda x: x + 2, A((2, 3), "int64"))
case("div_int64_pyint", lambda x: x / 2, lambda x: x / 2, A((2, 3), "int64"))
case("maximum_int64_float32", _sdf("maximum"), np.maximum, A((2, 3), "int64"), A((2, 3), "float32"))
case("minimum_int64", _sdf("minimum"), np.minimum, A((2, 3), "int64"), A((3,), "int64"))
case("maximum_float32", _sdf("maximum"), np.maximum, A((2, 3), "float32", LAT_A),
     A((2, 3), "float32", LAT_B))

# ---------------------------------------------------------------------------
# where / clip / comparisons
# ---------------------------------------------------------------------------

case("where", _sdf("where"), np.where, A((2, 3), "bool"), A((2, 3)), A((2, 3)))
case("where_bcast", _sdf("where"), np.where, A((3,), "bool"), A((2, 3)), A(()))
case("where_bcast_cond_col", _sdf("where"), np.where, A((2, 1), "bool"), A((3,)), A((2, 3)))
case("where_computed_cond", lambda x: sd.where(x > 0.0, x, sd.exp(x)),
     lambda x: np.where(x > 0.0, x, np.exp(x)), A((2, 3), sample=AWAY0))
case("where_computed_cond_two", lambda x, y: sd.where(x < y, x * y, x - y),
     lambda x, y: np.where(x < y, x * y, x - y), A((2, 3), sample=LAT_A), A((2, 3), sample=LAT_B))
case("where_pyfloat", lambda c, x: sd.where(c, x, 0.0), lambda c, x: np.where(c, x, 0.0),
     A((2, 3), "bool"), A((2, 3)))
case("where_pyfloat_first", lambda c, x: sd.where(c, 1.0, x), lambda c, x: np.where(c, 1.0, x),
     A((2, 3), "bool"), A((2, 3)))
case("where_int64_float32", _sdf("where"), np.where, A((2, 3), "bool"), A((2, 3), "int64"),
     A((2, 3), "float32"))
case("where_float32_pyfloat", lambda c, x: sd.where(c, x, 0.5), lambda c, x: np.where(c, x, 0.5),
     A((2, 3), "bool"), A((2, 3), "float32"))
case("where_int64", _sdf("where"), np.where, A((2, 3), "bool"), A((2, 3), "int64"),
     A((3,), "int64"))

case("clip_pyfloat", lambda x: sd.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5),
     A((2, 3, 4), sample=AWAY0))
case("clip_arrays", _sdf("clip"), np_clip,
     A((2, 3), sample=LAT_B),
     A((2, 3), sample=lattice(0.0, kmin=-4, kmax=0)),
     A((2, 3), sample=lattice(0.0, kmin=1, kmax=5)))
case("clip_bcast_bounds", _sdf("clip"), np_clip,
     A((2, 3), sample=LAT_B), A((3,), sample=lattice(0.0, kmin=-3, kmax=0)),
     A((), sample=lattice(0.0, kmin=1, kmax=4)))
case("clip_0d", lambda x: sd.clip(x, -1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0), A((), sample=AWAY0))
case("clip_float32", lambda x: sd.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5),
     A((2, 3), "float32", AWAY0))
case("clip_int64", lambda x: sd.clip(x, -1, 2), lambda x: np.clip(x, -1, 2), A((2, 3), "int64"))

TIES = integers(-2, 3)  # small integers as floats: many exact ties
for _name, _ref in (("equal", np.equal), ("not_equal", np.not_equal)):
    case(f"{_name}", _sdf(_name), _ref, A((2, 3), sample=TIES), A((2, 3), sample=TIES))
    case(f"{_name}_bcast", _sdf(_name), _ref, A((2, 3), sample=TIES), A((3,), sample=TIES))
    case(f"{_name}_int64_float64", _sdf(_name), _ref, A((2, 3), "int64"), A((3,), sample=TIES))
    case(f"{_name}_pyfloat", lambda x, _n=_name: getattr(sd, _n)(x, 1.0),
         lambda x, _f=_ref: _f(x, 1.0), A((2, 3), sample=TIES))
    case(f"{_name}_bool", _sdf(_name), _ref, A((2, 3), "bool"), A((2, 3), "bool"))

COMPARISONS = [
    ("lt", lambda a, b: a < b, np.less),
    ("le", lambda a, b: a <= b, np.less_equal),
    ("gt", lambda a, b: a > b, np.greater),
    ("ge", lambda a, b: a >= b, np.greater_equal),
]
for _name, _op, _ref in COMPARISONS:
    case(f"{_name}", _op, _ref, A((2, 3), sample=TIES), A((2, 3), sample=TIES))
    case(f"{_name}_bcast", _op, _ref, A((2, 1), sample=TIES), A((3,), sample=TIES))
    case(f"{_name}_pyfloat", lambda x, _o=_op: _o(x, 0.5), lambda x, _f=_ref: _f(x, 0.5),
         A((2, 3)))
    case(f"{_name}_pyfloat_reflected", lambda x, _o=_op: _o(0.5, x), lambda x, _f=_ref: _f(0.5, x),
         A((2, 3)))
    case(f"{_name}_int64_float32", _op, _ref, A((2, 3), "int64"), A((2, 3), "float32", TIES))
case("lt_0d", lambda a, b: a < b, np.less, A(()), A(()))

# ---------------------------------------------------------------------------
# Indexing and methods
# ---------------------------------------------------------------------------

INDEXES = [
    ("int", (1,)),
    ("neg_int", (-1,)),
    ("slice", (slice(None), slice(1, 3))),
    ("step_slice", (Ellipsis, slice(None, None, 2))),
    ("neg_step_slice", (slice(None, None, -1),)),
    ("neg_slice_bounds", (slice(1, None), slice(None), slice(-2, None))),
    ("none", (None,)),
    ("none_middle_int", (slice(None), None, 1)),
    ("ellipsis_int", (Ellipsis, 0)),
    ("int_ellipsis_none", (1, Ellipsis, None)),
    ("all_ints", (0, -1, 2)),
    ("mixed", (-1, slice(None, None, -2), slice(1, 4, 2))),
    ("ellipsis_only", (Ellipsis,)),
]
for _name, _ix in INDEXES:
    case(f"getitem_{_name}", lambda x, _i=_ix: x[_i], lambda x, _i=_ix: x[_i], A((2, 3, 4)))
case("getitem_scalar_int", lambda x: x[2], lambda x: x[2], A((4,)))
case("getitem_1d_neg_step", lambda x: x[::-2], lambda x: x[::-2], A((5,)))
case("getitem_1d_inner", lambda x: x[1:-1], lambda x: x[1:-1], A((5,)))
case("getitem_matrix_col", lambda x: x[:, -1], lambda x: x[:, -1], A((2, 3)))
case("getitem_matrix_none_none", lambda x: x[None, :, None], lambda x: x[None, :, None], A((2, 3)))
case("getitem_0d_none", lambda x: x[None], lambda x: x[None], A(()))
case("getitem_0d_ellipsis", lambda x: x[...], lambda x: x[...], A(()))
case("getitem_int64", lambda x: x[:, ::-1], lambda x: x[:, ::-1], A((2, 3), "int64"))
case("getitem_bool", lambda x: x[1], lambda x: x[1], A((2, 3), "bool"))
case("getitem_float32", lambda x: x[..., 1:], lambda x: x[..., 1:], A((2, 3), "float32"))

case("T_2d", lambda x: x.T, lambda x: x.T, A((2, 3)))
case("T_3d", lambda x: x.T, lambda x: x.T, A((2, 3, 4)))
case("T_1d", lambda x: x.T, lambda x: x.T, A((3,)))
case("T_int64", lambda x: x.T, lambda x: x.T, A((2, 3), "int64"))
case("method_sum", lambda x: x.sum(), lambda x: x.sum(), A((2, 3)))
case("method_sum_axis", lambda x: x.sum(axis=1), lambda x: x.sum(axis=1), A((2, 3)))
case("method_sum_tuple_keepdims", lambda x: x.sum(axis=(0, 2), keepdims=True),
     lambda x: x.sum(axis=(0, 2), keepdims=True), A((2, 3, 4)))
case("method_mean", lambda x: x.mean(), lambda x: x.mean(), A((2, 3)))
case("method_mean_neg_axis_keepdims", lambda x: x.mean(axis=-1, keepdims=True),
     lambda x: x.mean(axis=-1, keepdims=True), A((2, 3, 4)))
case("method_mean_int64", lambda x: x.mean(axis=0), lambda x: x.mean(axis=0), A((2, 3), "int64"))
case("method_reshape", lambda x: x.reshape((3, 2)), lambda x: x.reshape((3, 2)), A((2, 3)))
case("method_reshape_3d", lambda x: x.reshape((4, 6)), lambda x: x.reshape((4, 6)), A((2, 3, 4)))

# ---------------------------------------------------------------------------
# Neural-network helpers
# ---------------------------------------------------------------------------

case("sigmoid", _sdf("sigmoid"), np_sigmoid, A((2, 3), sample=uniform(-4, 4)))
case("sigmoid_0d", _sdf("sigmoid"), np_sigmoid, A(()))
case("sigmoid_float32", _sdf("sigmoid"), np_sigmoid, A((2, 3), "float32"))
case("sigmoid_int64", _sdf("sigmoid"), lambda x: np_sigmoid(x.astype(np.float64)),
     A((2, 3), "int64"), dtype="float64")
case("relu", _sdf("relu"), np_relu, A((2, 3), sample=AWAY0))
case("relu_3d", _sdf("relu"), np_relu, A((2, 3, 4), sample=AWAY0))
case("relu_float32", _sdf("relu"), np_relu, A((2, 3), "float32", AWAY0))
case("softplus", _sdf("softplus"), np_softplus, A((2, 3), sample=uniform(-5, 5)))
case("softplus_0d", _sdf("softplus"), np_softplus, A(()))
case("softplus_float32", _sdf("softplus"), np_softplus, A((2, 3), "float32"))

for _name, _ref in (("softmax", np_softmax), ("log_softmax", np_log_softmax)):
    case(f"{_name}", _sdf(_name), _ref, A((2, 3)))
    case(f"{_name}_1d", _sdf(_name), _ref, A((4,)))
    case(f"{_name}_axis0", lambda x, _n=_name: getattr(sd, _n)(x, axis=0),
         lambda x, _f=_ref: _f(x, axis=0), A((2, 3)))
    case(f"{_name}_3d_axis1", lambda x, _n=_name: getattr(sd, _n)(x, axis=1),
         lambda x, _f=_ref: _f(x, axis=1), A((2, 3, 4)))
    case(f"{_name}_neg_axis", lambda x, _n=_name: getattr(sd, _n)(x, axis=-2),
         lambda x, _f=_ref: _f(x, axis=-2), A((2, 3, 4)))
    case(f"{_name}_float32", _sdf(_name), _ref, A((2, 3), "float32"))

LSE = [
    ("", {}, (2, 3)),
    ("_axis1", dict(axis=1), (2, 3)),
    ("_neg_axis_keepdims", dict(axis=-1, keepdims=True), (2, 3)),
    ("_tuple_axis", dict(axis=(0, 2)), (2, 3, 4)),
    ("_axis0_keepdims", dict(axis=0, keepdims=True), (2, 3)),
    ("_none_keepdims", dict(axis=None, keepdims=True), (2, 3)),
    ("_1d", {}, (4,)),
]
for _sfx, _kw, _shape in LSE:
    case(f"logsumexp{_sfx}", lambda x, _k=_kw: sd.logsumexp(x, **_k),
         lambda x, _k=_kw: np_logsumexp(x, **_k), A(_shape))
case("logsumexp_large_values", lambda x: sd.logsumexp(x, axis=1),
     lambda x: np_logsumexp(x, axis=1), A((2, 3), sample=uniform(700.0, 705.0)),
     grad_atol=1e-5)
case("logsumexp_float32", lambda x: sd.logsumexp(x, axis=0), lambda x: np_logsumexp(x, axis=0),
     A((2, 3), "float32"))

# ---------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------

REDUCE_AXES = [
    ("", {}, (2, 3, 4)),
    ("_axis0", dict(axis=0), (2, 3, 4)),
    ("_neg_axis", dict(axis=-1), (2, 3, 4)),
    ("_tuple_axis", dict(axis=(0, 2)), (2, 3, 4)),
    ("_neg_tuple_axis", dict(axis=(-1, -2)), (2, 3, 4)),
    ("_keepdims", dict(axis=1, keepdims=True), (2, 3, 4)),
    ("_none_keepdims", dict(axis=None, keepdims=True), (2, 3)),
    ("_1d", dict(axis=0), (4,)),
]
PROD_DOMAIN = uniform(0.7, 1.4)
for _name in ("sum", "mean", "prod", "max", "min"):
    _npf = getattr(np, _name)
    _dom = {"prod": PROD_DOMAIN, "max": DISTINCT, "min": DISTINCT}.get(_name, REAL)
    for _sfx, _kw, _shape in REDUCE_AXES:
        case(f"{_name}{_sfx}", lambda x, _n=_name, _k=_kw: getattr(sd, _n)(x, **_k),
             lambda x, _f=_npf, _k=_kw: _f(x, **_k), A(_shape, sample=_dom))
    case(f"{_name}_0d", _sdf(_name), _npf, A((), sample=_dom))
    case(f"{_name}_float32", lambda x, _n=_name: getattr(sd, _n)(x, axis=1),
         lambda x, _f=_npf: _f(x, axis=1), A((2, 3), "float32", _dom))
    case(f"{_name}_int64", lambda x, _n=_name: getattr(sd, _n)(x, axis=0),
         lambda x, _f=_npf: _f(x, axis=0), A((2, 3), "int64"))

case("sum_empty_tuple_axis", lambda x: sd.sum(x, axis=()), lambda x: np.sum(x, axis=()), A((2, 3)))
case("sum_bool", _sdf("sum"), np.sum, A((2, 3), "bool"))
case("sum_bool_axis", lambda x: sd.sum(x, axis=1), lambda x: np.sum(x, axis=1), A((2, 3), "bool"))
case("mean_bool", _sdf("mean"), np.mean, A((2, 3), "bool"))
case("max_bool", lambda x: sd.max(x, axis=0), lambda x: np.max(x, axis=0), A((2, 3), "bool"))
case("min_int64_all", _sdf("min"), np.min, A((2, 3), "int64"))
for _name in ("any", "all"):
    _npf = getattr(np, _name)
    for _sfx, _kw, _shape in REDUCE_AXES:
        case(f"{_name}{_sfx}", lambda x, _n=_name, _k=_kw: getattr(sd, _n)(x, **_k),
             lambda x, _f=_npf, _k=_kw: _f(x, **_k), A(_shape, "bool"))
    case(f"{_name}_of_floats", lambda x, _n=_name: getattr(sd, _n)(x, axis=1),
         lambda x, _f=_npf: _f(x, axis=1), A((3, 4), sample=integers(0, 2)))
    case(f"{_name}_int64", lambda x, _n=_name: getattr(sd, _n)(x, axis=0),
         lambda x, _f=_npf: _f(x, axis=0), A((2, 3), "int64", integers(0, 2)))
    case(f"{_name}_zero_size", lambda x, _n=_name: getattr(sd, _n)(x, axis=0),
         lambda x, _f=_npf: _f(x, axis=0), A((0, 3), "bool"))
# zero-size arrays
case("sum_zero_size_axis0", lambda x: sd.sum(x, axis=0), lambda x: np.sum(x, axis=0), A((0, 3)))
case("sum_zero_size_all", _sdf("sum"), np.sum, A((0, 3)))
case("sum_zero_size_axis1", lambda x: sd.sum(x, axis=1), lambda x: np.sum(x, axis=1), A((0, 3)))
case("sum_zero_size_keepdims", lambda x: sd.sum(x, axis=0, keepdims=True),
     lambda x: np.sum(x, axis=0, keepdims=True), A((0, 3)))
case("prod_zero_size_axis0", lambda x: sd.prod(x, axis=0), lambda x: np.prod(x, axis=0), A((0, 3)))
case("exp_zero_size", _sdf("exp"), np.exp, A((0, 3)))
case("add_zero_size_bcast", _sdf("add"), np.add, A((0, 3)), A((3,)))
# prod with exact zeros: the derivative is the product of the other entries
case("prod_with_zero", lambda x: sd.prod(x, axis=1), lambda x: np.prod(x, axis=1),
     A((3, 4), sample=with_zeros(PROD_DOMAIN, (0, 1), (2, 0), (2, 3))))
case("prod_three_zeros", lambda x: sd.prod(x, axis=0), lambda x: np.prod(x, axis=0),
     A((5, 2), sample=with_zeros(PROD_DOMAIN, (0, 0), (2, 0), (4, 0), (1, 1), (3, 1))))
case("prod_with_zero_all", _sdf("prod"), np.prod,
     A((2, 3), sample=with_zeros(PROD_DOMAIN, (1, 2))))

# ---------------------------------------------------------------------------
# Linear algebra
# ---------------------------------------------------------------------------

LINALG2 = [
    ("dot_vv", "dot", np.dot, (3,), (3,)),
    ("dot_mv", "dot", np.dot, (2, 3), (3,)),
    ("dot_vm", "dot", np.dot, (3,), (3, 2)),
    ("dot_mm", "dot", np.dot, (2, 3), (3, 4)),
    ("dot_3d_2d", "dot", np.dot, (2, 3, 4), (4, 2)),
    ("matmul_mm", "matmul", np.matmul, (2, 3), (3, 4)),
    ("matmul_vm", "matmul", np.matmul, (3,), (3, 2)),
    ("matmul_mv", "matmul", np.matmul, (2, 3), (3,)),
    ("matmul_vv", "matmul", np.matmul, (3,), (3,)),
    ("matmul_batched", "matmul", np.matmul, (2, 2, 3), (2, 3, 2)),
    ("matmul_bcast_batch", "matmul", np.matmul, (2, 1, 2, 3), (3, 3, 2)),
    ("matmul_batched_mat", "matmul", np.matmul, (2, 2, 3), (3, 4)),
    ("matmul_vec_batched", "matmul", np.matmul, (3,), (2, 3, 2)),
    ("outer", "outer", np.outer, (3,), (4,)),
    ("outer_flattens", "outer", np.outer, (2, 2), (3,)),
]
for _id, _name, _ref, _sa, _sb in LINALG2:
    case(_id, _sdf(_name), _ref, A(_sa), A(_sb))
case("matmul_operator", lambda a, b: a @ b, np.matmul, A((2, 3)), A((3, 2)))
case("matmul_operator_batched", lambda a, b: a @ b, np.matmul, A((2, 2, 3)), A((3,)))
case("matmul_operator_ndarray_left", lambda x: np.arange(6.0).reshape(2, 3) @ x,
     lambda x: np.arange(6.0).reshape(2, 3) @ x, A((3, 2)))
case("dot_ndarray_first", lambda x: sd.dot(np.arange(1.0, 4.0), x),
     lambda x: np.dot(np.arange(1.0, 4.0), x), A((3, 2)))
case("dot_float32", _sdf("dot"), np.dot, A((2, 3), "float32"), A((3,), "float32"))
case("matmul_int64", _sdf("matmul"), np.matmul, A((2, 3), "int64"), A((3, 2), "int64"))
case("matmul_float32_float64", _sdf("matmul"), np.matmul, A((2, 3), "float32"), A((3, 2)))
case("outer_float32", _sdf("outer"), np.outer, A((2,), "float32"), A((3,), "float32"))

TENSORDOT = [
    ("axes2", 2, (2, 3, 4), (3, 4, 2)),
    ("axes1", 1, (2, 3), (3, 4)),
    ("axes0", 0, (2,), (3,)),
    ("axes_lists", ([1, 0], [0, 1]), (2, 3, 4), (3, 2, 2)),
    ("axes_single_lists", ([2], [0]), (2, 3, 4), (4, 3)),
    ("axes_neg", ([-1], [-2]), (2, 3), (2, 3, 2)),
]
for _sfx, _axes, _sa, _sb in TENSORDOT:
    case(f"tensordot_{_sfx}", lambda a, b, _x=_axes: sd.tensordot(a, b, _x),
         lambda a, b, _x=_axes: np.tensordot(a, b, _x), A(_sa), A(_sb))
case("tensordot_kw_axes", lambda a, b: sd.tensordot(a, b, axes=1),
     lambda a, b: np.tensordot(a, b, axes=1), A((2, 3)), A((3,)))

EINSUM = [
    ("matmul", "ij,jk->ik", [(2, 3), (3, 4)]),
    ("full_contract", "ij,ij->", [(2, 3), (2, 3)]),
    ("trace", "ii->", [(3, 3)]),
    ("diag", "ii->i", [(3, 3)]),
    ("transpose", "ij->ji", [(2, 3)]),
    ("sum_all", "ij->", [(2, 3)]),
    ("sum_axis", "ij->j", [(2, 3)]),
    ("outer", "i,j->ij", [(2,), (3,)]),
    ("batched", "bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ellipsis_batched", "...ij,...jk->...ik", [(2, 2, 3), (2, 3, 2)]),
    ("ellipsis_bcast", "...ij,jk->...ik", [(2, 2, 3), (3, 2)]),
    ("ellipsis_vec", "...i,...i->...", [(2, 3), (2, 3)]),
    ("implicit_matmul", "ij,jk", [(2, 3), (3, 4)]),
    ("implicit_full", "ij,ij", [(2, 3), (2, 3)]),
    ("implicit_transpose", "ji", [(2, 3)]),
    ("implicit_trace", "ii", [(3, 3)]),
    ("three_operands", "ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("repeated_output_order", "ijk->kij", [(2, 3, 4)]),
    ("bilinear", "i,ij,j->", [(2,), (2, 3), (3,)]),
]
for _sfx, _sub, _shapes in EINSUM:
    case(f"einsum_{_sfx}", lambda *xs, _s=_sub: sd.einsum(_s, *xs),
         lambda *xs, _s=_sub: np.einsum(_s, *xs), *[A(s) for s in _shapes])
case("einsum_float32_float64", lambda a, b: sd.einsum("ij,j->i", a, b),
     lambda a, b: np.einsum("ij,j->i", a, b), A((2, 3), "float32"), A((3,)))
case("einsum_ndarray_operand", lambda a: sd.einsum("ij,j->i", a, np.arange(3.0)),
     lambda a: np.einsum("ij,j->i", a, np.arange(3.0)), A((2, 3)))
case("einsum_int64", lambda a, b: sd.einsum("ij,jk->ik", a, b),
     lambda a, b: np.einsum("ij,jk->ik", a, b), A((2, 3), "int64"), A((3, 2), "int64"))

# ---------------------------------------------------------------------------
# Shape operations
# ---------------------------------------------------------------------------

RESHAPES = [
    ("2d_2d", (2, 3), (3, 2)),
    ("3d_2d", (2, 3, 4), (6, 4)),
    ("flatten", (2, 3), (6,)),
    ("to_3d", (6,), (1, 2, 3)),
    ("0d_to_1x1", (), (1, 1)),
    ("1x1_to_0d", (1, 1), ()),
    ("minus_one", (2, 3, 4), (-1,)),
    ("minus_one_inner", (2, 3, 4), (3, -1)),
]
for _sfx, _sa, _new in RESHAPES:
    case(f"reshape_{_sfx}", lambda x, _n=_new: sd.reshape(x, _n),
         lambda x, _n=_new: np.reshape(x, _n), A(_sa))
case("reshape_int64", lambda x: sd.reshape(x, (3, 2)), lambda x: np.reshape(x, (3, 2)),
     A((2, 3), "int64"))
case("reshape_bool", lambda x: sd.reshape(x, (6,)), lambda x: np.reshape(x, (6,)), A((2, 3), "bool"))
case("reshape_zero_size", lambda x: sd.reshape(x, (3, 0)), lambda x: np.reshape(x, (3, 0)),
     A((0, 3)))

TRANSPOSES = [
    ("default_2d", None, (2, 3)),
    ("default_3d", None, (2, 3, 4)),
    ("axes", (1, 0, 2), (2, 3, 4)),
    ("axes_cycle", (2, 0, 1), (2, 3, 4)),
    ("neg_axes", (-1, 0, 1), (2, 3, 4)),
    ("identity", (0, 1), (2, 3)),
]
for _sfx, _axes, _sa in TRANSPOSES:
    if _axes is None:
        case(f"transpose_{_sfx}", _sdf("transpose"), np.transpose, A(_sa))
    else:
        case(f"transpose_{_sfx}", lambda x, _a=_axes: sd.transpose(x, _a),
             lambda x, _a=_axes: np.transpose(x, _a), A(_sa))
case("transpose_kw_axes", lambda x: sd.transpose(x, axes=(1, 0)),
     lambda x: np.transpose(x, axes=(1, 0)), A((2, 3)))
case("transpose_float32", _sdf("transpose"), np.transpose, A((2, 3), "float32"))

BROADCASTS = [
    ("vec_to_mat", (3,), (2, 3)),
    ("col", (3, 1), (3, 4)),
    ("scalar", (), (2, 2)),
    ("add_leading", (1, 3), (2, 2, 3)),
    ("same", (2, 3), (2, 3)),
]
for _sfx, _sa, _new in BROADCASTS:
    case(f"broadcast_to_{_sfx}", lambda x, _n=_new: sd.broadcast_to(x, _n),
         lambda x, _n=_new: np.broadcast_to(x, _n), A(_sa))
case("broadcast_to_bool", lambda x: sd.broadcast_to(x, (2, 3)),
     lambda x: np.broadcast_to(x, (2, 3)), A((3,), "bool"))
case("broadcast_to_int64", lambda x: sd.broadcast_to(x, (4, 3)),
     lambda x: np.broadcast_to(x, (4, 3)), A((1, 3), "int64"))

EXPANDS = [
    ("axis0", 0, (2, 3)),
    ("axis_last", -1, (2, 3)),
    ("axis1", 1, (2, 3)),
    ("tuple", (0, 2), (2, 3)),
    ("0d", 0, ()),
]
for _sfx, _ax, _sa in EXPANDS:
    case(f"expand_dims_{_sfx}", lambda x, _a=_ax: sd.expand_dims(x, _a),
         lambda x, _a=_ax: np.expand_dims(x, _a), A(_sa))
case("expand_dims_int64", lambda x: sd.expand_dims(x, 1), lambda x: np.expand_dims(x, 1),
     A((3,), "int64"))

SQUEEZES = [
    ("all", None, (1, 3, 1)),
    ("axis0", 0, (1, 3, 1)),
    ("neg_axis", -1, (1, 3, 1)),
    ("tuple", (0, 2), (1, 3, 1)),
    ("to_0d", None, (1, 1)),
]
for _sfx, _ax, _sa in SQUEEZES:
    if _ax is None:
        case(f"squeeze_{_sfx}", _sdf("squeeze"), np.squeeze, A(_sa))
    else:
        case(f"squeeze_{_sfx}", lambda x, _a=_ax: sd.squeeze(x, _a),
             lambda x, _a=_ax: np.squeeze(x, _a), A(_sa))
case("squeeze_kw_axis", lambda x: sd.squeeze(x, axis=1), lambda x: np.squeeze(x, axis=1),
     A((2, 1)))
case("squeeze_bool", _sdf("squeeze"), np.squeeze, A((1, 3), "bool"))

case("concatenate_axis0", lambda a, b: sd.concatenate([a, b]),
     lambda a, b: np.concatenate([a, b]), A((2, 3)), A((1, 3)))
case("concatenate_neg_axis", lambda a, b: sd.concatenate([a, b], axis=-1),
     lambda a, b: np.concatenate([a, b], axis=-1), A((2, 3)), A((2, 2)))
case("concatenate_three_axis1", lambda a, b, c: sd.concatenate((a, b, c), axis=1),
     lambda a, b, c: np.concatenate((a, b, c), axis=1), A((2, 1, 2)), A((2, 3, 2)), A((2, 1, 2)))
case("concatenate_1d", lambda a, b: sd.concatenate([a, b]), lambda a, b: np.concatenate([a, b]),
     A((3,)), A((2,)))
case("concatenate_same_twice", lambda a: sd.concatenate([a, a], axis=0),
     lambda a: np.concatenate([a, a], axis=0), A((2, 3)))
case("concatenate_ndarray", lambda a: sd.concatenate([a, np.zeros((1, 3))]),
     lambda a: np.concatenate([a, np.zeros((1, 3))]), A((2, 3)))
case("concatenate_float32_float64", lambda a, b: sd.concatenate([a, b]),
     lambda a, b: np.concatenate([a, b]), A((2,), "float32"), A((3,)))
case("concatenate_int64", lambda a, b: sd.concatenate([a, b], axis=1),
     lambda a, b: np.concatenate([a, b], axis=1), A((2, 1), "int64"), A((2, 2), "int64"))
case("concatenate_single", lambda a: sd.concatenate([a]), lambda a: np.concatenate([a]),
     A((2, 3)))

case("stack_axis0", lambda a, b: sd.stack([a, b]), lambda a, b: np.stack([a, b]),
     A((2, 3)), A((2, 3)))
case("stack_neg_axis", lambda a, b: sd.stack([a, b], axis=-1),
     lambda a, b: np.stack([a, b], axis=-1), A((2, 3)), A((2, 3)))
case("stack_three_axis1", lambda a, b, c: sd.stack((a, b, c), axis=1),
     lambda a, b, c: np.stack((a, b, c), axis=1), A((2, 3)), A((2, 3)), A((2, 3)))
case("stack_0d", lambda a, b, c: sd.stack([a, b, c]), lambda a, b, c: np.stack([a, b, c]),
     A(()), A(()), A(()))
case("stack_same_twice", lambda a: sd.stack([a, a, a], axis=0),
     lambda a: np.stack([a, a, a], axis=0), A((3,)))
case("stack_float32_int64", lambda a, b: sd.stack([a, b]), lambda a, b: np.stack([a, b]),
     A((3,), "float32"), A((3,), "int64"))
case("stack_bool", lambda a, b: sd.stack([a, b], axis=1), lambda a, b: np.stack([a, b], axis=1),
     A((3,), "bool"), A((3,), "bool"))

TAKES = [
    ("flat", dict(axis=None), np.array([0, 5, 3, 3]), (2, 3)),
    ("axis1_repeats", dict(axis=1), np.array([2, 0, 2]), (2, 3)),
    ("axis0_negative", dict(axis=0), np.array([-1, 0, -1]), (2, 3)),
    ("scalar_index", dict(axis=1), 1, (2, 3)),
    ("scalar_index_neg", dict(axis=0), -1, (2, 3)),
    ("2d_indices", dict(axis=1), np.array([[0, 1], [2, 2]]), (2, 3)),
    ("neg_axis", dict(axis=-1), np.array([3, 1]), (2, 3, 4)),
    ("list_indices", dict(axis=0), [1, 1, 0], (2, 3)),
]
for _sfx, _kw, _ix, _sa in TAKES:
    case(f"take_{_sfx}", lambda x, _i=_ix, _k=_kw: sd.take(x, _i, **_k),
         lambda x, _i=_ix, _k=_kw: np.take(x, _i, **_k), A(_sa))
case("take_default_axis", lambda x: sd.take(x, np.array([4, 0])),
     lambda x: np.take(x, np.array([4, 0])), A((2, 3)))
case("take_int64", lambda x: sd.take(x, np.array([1, 0, 1]), axis=0),
     lambda x: np.take(x, np.array([1, 0, 1]), axis=0), A((2, 3), "int64"))
case("take_symbolic_indices", lambda x, i: sd.take(x, i, axis=1),
     lambda x, i: np.take(x, i, axis=1), A((2, 3)), A((4,), "int64", integers(0, 3)),
     differentiable=(0,))

TAKE_ALONG = [
    ("axis1_repeats", 1, np.array([[0, 0], [2, 1], [3, 3]]), (3, 4)),
    ("axis0", 0, np.array([[1, 0, 2, 2], [0, 0, 1, 2]]), (3, 4)),
    ("1d", 0, np.array([2, 0, 2, 1]), (3,)),
    ("neg_axis", -1, np.array([[[1], [0], [1]], [[0], [0], [1]]]), (2, 3, 2)),
    ("bcast_indices", 1, np.array([[3, 0]]), (3, 4)),
    ("argsort", 1, np.array([[3, 2, 1, 0], [0, 1, 2, 3], [1, 3, 0, 2]]), (3, 4)),
]
for _sfx, _ax, _ix, _sa in TAKE_ALONG:
    case(f"take_along_axis_{_sfx}", lambda x, _i=_ix, _a=_ax: sd.take_along_axis(x, _i, _a),
         lambda x, _i=_ix, _a=_ax: np.take_along_axis(x, _i, _a), A(_sa))
case("take_along_axis_kw", lambda x: sd.take_along_axis(x, np.array([[1], [0]]), axis=1),
     lambda x: np.take_along_axis(x, np.array([[1], [0]]), axis=1), A((2, 3)))
case("take_along_axis_bool", lambda x: sd.take_along_axis(x, np.array([[1], [0]]), 1),
     lambda x: np.take_along_axis(x, np.array([[1], [0]]), 1), A((2, 3), "bool"))

for _name, _ref in (("zeros_like", np.zeros_like), ("ones_like", np.ones_like)):
    case(f"{_name}", _sdf(_name), _ref, A((2, 3)))
    case(f"{_name}_0d", _sdf(_name), _ref, A(()))
    case(f"{_name}_float32", _sdf(_name), _ref, A((2, 3), "float32"))
    case(f"{_name}_int64", _sdf(_name), _ref, A((3,), "int64"))
    case(f"{_name}_bool", _sdf(_name), _ref, A((2, 3), "bool"))
    case(f"{_name}_plus_x", lambda x, _n=_name: getattr(sd, _n)(x) + x * x,
         lambda x, _f=_ref: _f(x) + x * x, A((2, 3)))

case("eye", lambda: sd.eye(3), lambda: np.eye(3))
case("eye_1", lambda: sd.eye(1), lambda: np.eye(1))
case("eye_matmul", lambda x: x @ sd.eye(3), lambda x: x @ np.eye(3), A((2, 3)))
case("eye_add", lambda x: x + sd.eye(3), lambda x: x + np.eye(3), A((3, 3)))
case("eye_mul_float32", lambda x: x * sd.eye(2), lambda x: x * np.eye(2), A((2, 2), "float32"))

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

_C23 = np.arange(6.0).reshape(2, 3) / 4.0
case("constant_array_add", lambda x: x + sd.constant(_C23), lambda x: x + _C23, A((2, 3)))
case("constant_scalar_mul", lambda x: sd.constant(2.5) * x, lambda x: 2.5 * x, A((2, 3)))
case("constant_in_function", lambda x: sd.exp(sd.constant(0.5)) * sd.sin(x),
     lambda x: np.exp(0.5) * np.sin(x), A((3,)))
case("constant_float32_dtype", lambda x: sd.constant(np.arange(3), dtype="float32") * x,
     lambda x: np.arange(3).astype(np.float32) * x, A((2, 3), "float32"))
case("constant_int_mul_int64", lambda x: x * sd.constant(np.array([1, 2, 3])),
     lambda x: x * np.array([1, 2, 3]), A((2, 3), "int64"))
case("constant_only_array", lambda: sd.constant(np.array([[1.0, 2.0], [3.0, 4.0]])),
     lambda: np.array([[1.0, 2.0], [3.0, 4.0]]))
case("constant_only_int_array", lambda: sd.constant(np.arange(4)), lambda: np.arange(4))
case("constant_only_pyfloat", lambda: sd.constant(1.25), lambda: np.array(1.25))
case("constant_only_pyfloat_float32", lambda: sd.constant(1.25, dtype="float32"),
     lambda: np.array(1.25, dtype=np.float32))
case("constant_only_bool_array", lambda: sd.constant(np.array([True, False])),
     lambda: np.array([True, False]))

# ---------------------------------------------------------------------------
# A few compositions (shared subexpressions, chains through several op families)
# ---------------------------------------------------------------------------

case("compose_shared_subexpression", lambda x: sd.exp(x) * sd.exp(x) + sd.sin(sd.exp(x)),
     lambda x: np.exp(x) * np.exp(x) + np.sin(np.exp(x)), A((3,)))
case("compose_mlp_layer", lambda w, x, b: sd.tanh(w @ x + b),
     lambda w, x, b: np.tanh(w @ x + b), A((2, 3)), A((3,)), A((2,)))
case("compose_cross_entropy",
     lambda z: -sd.sum(np.eye(3)[[0, 2]] * sd.log_softmax(z, axis=-1)),
     lambda z: -np.sum(np.eye(3)[[0, 2]] * np_log_softmax(z, axis=-1)), A((2, 3)))
case("compose_reduce_bcast", lambda x: x - sd.mean(x, axis=0, keepdims=True),
     lambda x: x - np.mean(x, axis=0, keepdims=True), A((2, 3)))
case("compose_norm", lambda x: sd.sqrt(sd.sum(x * x)), lambda x: np.sqrt(np.sum(x * x)),
     A((2, 3), sample=AWAY0))


# ---------------------------------------------------------------------------
# Symbolic dimensions: one compiled function serves every size
# ---------------------------------------------------------------------------

_SZ = (("m", 2), ("n", 3), ("k", 4))
_ALT = (("m", 3), ("n", 1), ("k", 2))


def sym_case(id: str, fn, ref, *args: Arg, **kw) -> None:
    kw.setdefault("sizes", _SZ)
    kw.setdefault("alt_sizes", _ALT)
    case("symdim_" + id, fn, ref, *args, **kw)


sym_case("exp", _sdf("exp"), np.exp, A(("n",)))
sym_case("add_bcast", _sdf("add"), np.add, A(("m", 1)), A(("n",)))
sym_case("mul_fixed_axis", lambda a, b: a * b, np.multiply, A(("n", 3)), A((3,)))
sym_case("mul_scalar", lambda a, b: a * b, np.multiply, A(()), A(("m", "n")))
sym_case("sum_axis0", lambda x: sd.sum(x, axis=0), lambda x: np.sum(x, axis=0), A(("m", "n")))
sym_case("sum_all", _sdf("sum"), np.sum, A(("m", "n")))
sym_case("mean_all", _sdf("mean"), np.mean, A(("m", "n")))
sym_case("mean_axis1_keepdims", lambda x: sd.mean(x, axis=1, keepdims=True),
         lambda x: np.mean(x, axis=1, keepdims=True), A(("m", "n")))
sym_case("max_axis1", lambda x: sd.max(x, axis=1), lambda x: np.max(x, axis=1),
         A(("m", "n"), sample=DISTINCT))
sym_case("prod_axis0", lambda x: sd.prod(x, axis=0), lambda x: np.prod(x, axis=0),
         A(("m", "n"), sample=PROD_DOMAIN))
sym_case("maximum", _sdf("maximum"), np.maximum, A(("n",), sample=LAT_A), A(("n",), sample=LAT_B))
sym_case("where", _sdf("where"), np.where, A(("n",), "bool"), A(("n",)), A(()))
sym_case("matmul", _sdf("matmul"), np.matmul, A(("m", "k")), A(("k", "n")))
sym_case("matvec", lambda a, b: a @ b, np.matmul, A(("m", 3)), A((3,)))
sym_case("outer", _sdf("outer"), np.outer, A(("m",)), A(("n",)))
sym_case("einsum", lambda a, b: sd.einsum("ij,j->i", a, b),
         lambda a, b: np.einsum("ij,j->i", a, b), A(("m", "n")), A(("n",)))
sym_case("softmax", _sdf("softmax"), np_softmax, A(("m", "n")))
sym_case("logsumexp_axis0", lambda x: sd.logsumexp(x, axis=0),
         lambda x: np_logsumexp(x, axis=0), A(("m", "n")))
sym_case("transpose", lambda x: x.T, lambda x: x.T, A(("m", "n")))
sym_case("getitem_int", lambda x: x[0], lambda x: x[0], A(("m", 3)))
sym_case("getitem_slice", lambda x: x[1:], lambda x: x[1:], A(("k",)))
sym_case("getitem_neg_step", lambda x: x[::-1], lambda x: x[::-1], A(("k",)))
sym_case("getitem_none", lambda x: x[None, :, 0], lambda x: x[None, :, 0], A(("m", 3)))
sym_case("concatenate_fixed_axis", lambda a, b: sd.concatenate([a, b], axis=1),
         lambda a, b: np.concatenate([a, b], axis=1), A(("n", 2)), A(("n", 3)))
sym_case("stack", lambda a, b: sd.stack([a, b]), lambda a, b: np.stack([a, b]),
         A(("n",)), A(("n",)))
sym_case("broadcast_to_shape_of", lambda x, y: sd.broadcast_to(x, y.shape),
         lambda x, y: np.broadcast_to(x, y.shape), A((3,)), A(("n", 3)))
sym_case("expand_squeeze", lambda x: sd.squeeze(sd.expand_dims(x, 0), 0),
         lambda x: np.squeeze(np.expand_dims(x, 0), 0), A(("n",)))
sym_case("zeros_like_plus", lambda x: sd.zeros_like(x) + sd.sin(x),
         lambda x: np.zeros_like(x) + np.sin(x), A(("m", "n")))
sym_case("take_axis0", lambda x: sd.take(x, np.array([0, 0]), axis=0),
         lambda x: np.take(x, np.array([0, 0]), axis=0), A(("n", 2)))

# a symbolic size meeting a fixed one is unified (checked at call time): one size only
case("symdim_unified_with_fixed", lambda x, w: sd.sin(x - np.array([0.5, -1.0, 2.0])) * w,
     lambda x, w: np.sin(x - np.array([0.5, -1.0, 2.0])) * w, A(("n",)), A((3,)), sizes=(("n", 3),))


from tests import optable_loops  # noqa: E402,F401  (loop rows: scan, fori_loop, while_loop)
from tests import optable_everyday  # noqa: E402,F401  (cumsum, sort, argmax, x.at[...] ...)
from tests import optable_linalg  # noqa: E402,F401  (linear algebra rows)

# ---------------------------------------------------------------------------
# Sanity of the table itself
# ---------------------------------------------------------------------------

_ids = [c.id for c in CASES]
_dups = sorted({i for i in _ids if _ids.count(i) > 1})
assert not _dups, f"duplicate OpCase ids: {_dups}"

CASE_BY_ID = {c.id: c for c in CASES}

#: Names of every operation in the API contract; ``test_ops_values`` checks that
#: each one is used by at least one row (by id prefix).
# ---------------------------------------------------------------------------
# Special functions and NumPy's other elementwise mathematics (ops/special.py).
# Oracles: SciPy and NumPy; the derivative tests difference them, and
# tests/test_special_functions.py checks the values against mpmath.
# ---------------------------------------------------------------------------

import scipy.special as _sc  # noqa: E402

OFF_GRID = lattice(0.25, spacing=1.0, jitter=0.1)   # k + 0.25 +- 0.1: away from integers and halves
GAMMA_DOMAIN = uniform(0.3, 4.0)

SPECIAL_UNARY = [
    ("erf", _sc.erf, REAL), ("erfc", _sc.erfc, REAL), ("gammaln", _sc.gammaln, GAMMA_DOMAIN),
    ("digamma", _sc.digamma, GAMMA_DOMAIN), ("log2", np.log2, POSITIVE), ("log10", np.log10, POSITIVE),
    ("exp2", np.exp2, REAL), ("cbrt", np.cbrt, AWAY0), ("floor", np.floor, OFF_GRID),
    ("ceil", np.ceil, OFF_GRID), ("trunc", np.trunc, OFF_GRID), ("rint", np.rint, OFF_GRID),
    ("log_sigmoid", lambda x: -np.logaddexp(0.0, -x), REAL),
]
for _name, _ref, _dom in SPECIAL_UNARY:
    case(_name, _sdf(_name), _ref, A((2, 3), sample=_dom))
for _name in ("erf", "gammaln", "log2", "floor"):
    _ref, _dom = {n: (r, d) for n, r, d in SPECIAL_UNARY}[_name]
    case(f"{_name}_float32", _sdf(_name), _ref, A((4,), "float32", _dom))
for _n in (1, 2, 3):
    case(f"polygamma_{_n}", lambda x, _n=_n: sd.polygamma(_n, x), lambda x, _n=_n: _sc.polygamma(_n, x),
         A((2, 3), sample=GAMMA_DOMAIN))
case("digamma_negative", _sdf("digamma"), _sc.digamma, A((5,), sample=uniform(-3.8, -3.2)))
case("gammaln_negative", _sdf("gammaln"), _sc.gammaln, A((5,), sample=uniform(-2.8, -2.2)))
case("erf_int64", _sdf("erf"), lambda x: _sc.erf(x.astype(np.float64)), A((4,), "int64"), dtype="float64")
case("floor_int64", lambda x: sd.floor(x) + 1, lambda x: np.floor(x) + 1, A((4,), "int64"))
case("rint_int64", _sdf("rint"), np.rint, A((4,), "int64"))
case("round_decimals_1", lambda x: sd.round(x, 1), lambda x: np.round(x, 1),
     A((2, 3), sample=lattice(0.025, spacing=0.1, jitter=0.01)))
case("round_decimals_minus_1", lambda x: sd.round(x, -1), lambda x: np.round(x, -1),
     A((4,), sample=lattice(2.5, spacing=10.0, jitter=1.0)))
case("round_int64", lambda x: sd.round(x), lambda x: np.round(x), A((4,), "int64"))
case("round_int64_minus_1", lambda x: sd.round(x, -1), lambda x: np.round(x, -1),
     A((4,), "int64", integers(-60, 60)))

SPECIAL_BINARY = [
    ("mod", _sdf("mod"), np.mod, AWAY0, uniform(2.5, 3.0)),
    ("arctan2", _sdf("arctan2"), np.arctan2, REAL, REAL),
    ("hypot", _sdf("hypot"), np.hypot, REAL, REAL),
    ("logaddexp", _sdf("logaddexp"), np.logaddexp, REAL, REAL),
    ("logaddexp2", _sdf("logaddexp2"), np.logaddexp2, REAL, REAL),
    ("xlogy", _sdf("xlogy"), _sc.xlogy, REAL, POSITIVE),
]
for _name, _fn, _ref, _da, _db in SPECIAL_BINARY:
    case(_name, _fn, _ref, A((2, 3), sample=_da), A((2, 3), sample=_db))
    case(f"{_name}_bcast_col_row", _fn, _ref, A((3, 1), sample=_da), A((4,), sample=_db))
case("mod_operator", lambda x, y: x % y, np.mod, A((2, 3), sample=AWAY0), A((3,), sample=uniform(2.5, 3.0)))
case("rmod_pyfloat", lambda x: 5.0 % x, lambda x: np.mod(5.0, x), A((3,), sample=uniform(2.6, 2.9)))
case("mod_int64", _sdf("mod"), np.mod, A((2, 3), "int64", integers(-9, 10)), A((2, 3), "int64", integers(1, 4)))
case("mod_float32", _sdf("mod"), np.mod, A((4,), "float32", AWAY0), A((4,), "float32", uniform(2.5, 3.0)))
case("xlogy_zero_x", _sdf("xlogy"), _sc.xlogy, A((3,), sample=lambda rng, shape: np.zeros(shape)),
     A((3,), sample=POSITIVE))
case("logaddexp_float32", _sdf("logaddexp"), np.logaddexp, A((4,), "float32"), A((4,), "float32"))


# ---------------------------------------------------------------------------
# Everyday NumPy functions composed from primitives (ops/composite.py)
# ---------------------------------------------------------------------------

case("var_all", _sdf("var"), np.var, A((2, 3)))
case("var_axis1_ddof1_keepdims", lambda x: sd.var(x, axis=1, ddof=1, keepdims=True),
     lambda x: np.var(x, axis=1, ddof=1, keepdims=True), A((2, 4)))
case("std_axis0", lambda x: sd.std(x, axis=0), lambda x: np.std(x, axis=0), A((4, 3)))
case("diff_n2", lambda x: sd.diff(x, n=2), lambda x: np.diff(x, n=2), A((6,)))
case("diff_axis0", lambda x: sd.diff(x, axis=0), lambda x: np.diff(x, axis=0), A((3, 4)))
case("flip_all", _sdf("flip"), np.flip, A((2, 3)))
case("flip_axis1", lambda x: sd.flip(x, 1), lambda x: np.flip(x, 1), A((2, 3)))
case("atleast_1d_0d", _sdf("atleast_1d"), np.atleast_1d, A(()))
case("atleast_2d_1d", _sdf("atleast_2d"), np.atleast_2d, A((3,)))
case("atleast_3d_2d", _sdf("atleast_3d"), np.atleast_3d, A((2, 3)))
case("atleast_3d_1d", _sdf("atleast_3d"), np.atleast_3d, A((3,)))
sym_case("var_ddof1", lambda x: sd.var(x, ddof=1), lambda x: np.var(x, ddof=1), A(("n",)))
sym_case("diff", _sdf("diff"), np.diff, A(("n", 3)), )
sym_case("flip", _sdf("flip"), np.flip, A(("m", "n")))


case("roll_fixed", lambda x: sd.roll(x, 2), lambda x: np.roll(x, 2), A((5,)))
case("roll_wraps_axis0", lambda x: sd.roll(x, -7, axis=0), lambda x: np.roll(x, -7, axis=0), A((3, 2)))
case("roll_two_axes", lambda x: sd.roll(x, (1, 2), axis=(0, 1)), lambda x: np.roll(x, (1, 2), axis=(0, 1)),
     A((3, 4)))
case("repeat_flat", lambda x: sd.repeat(x, 2), lambda x: np.repeat(x, 2), A((2, 3)))
case("repeat_axis1", lambda x: sd.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1), A((2, 2)))
case("tile_2d", lambda x: sd.tile(x, (2, 3)), lambda x: np.tile(x, (2, 3)), A((3,)))
case("pad_pairs", lambda x: sd.pad(x, ((1, 0), (2, 1))), lambda x: np.pad(x, ((1, 0), (2, 1))), A((2, 3)))
case("pad_value_node", lambda x, c: sd.pad(x, 2, constant_values=c), lambda x, c: np.pad(x, 2, constant_values=c),
     A((3,)), A(()))
case("arange_plus", lambda x: x * sd.arange(4), lambda x: x * np.arange(4), A((4,)))
case("linspace_nodes", lambda a, b: sd.linspace(a, b, 5), lambda a, b: np.linspace(a, b, 5), A(()), A(()))
sym_case("roll", lambda x: sd.roll(x, 1, axis=1), lambda x: np.roll(x, 1, axis=1), A(("m", "n")))
# a shift longer than the symbolic axis wraps as in NumPy (a gather by (arange(n) - shift) % n; fuzzer finding)
sym_case("roll_wraps", lambda x: sd.roll(x, -7, axis=0), lambda x: np.roll(x, -7, axis=0), A(("m", "n")))
sym_case("repeat_tile", lambda x: sd.tile(sd.repeat(x, 2), 2), lambda x: np.tile(np.repeat(x, 2), 2), A(("n",)))
sym_case("pad", lambda x: sd.pad(x, (1, 2)), lambda x: np.pad(x, (1, 2)), A(("n",)))
sym_case("arange", lambda x: x * sd.arange("n"), lambda x: x * np.arange(x.shape[0]), A(("n",)))
sym_case("linspace", lambda b, x: sd.linspace(0.5, b, "n") * x, lambda b, x: np.linspace(0.5, b, x.shape[0]) * x,
         A(()), A(("n",)))


CONTRACT_OPS = (
    "add subtract multiply divide power negative exp log log1p expm1 sqrt square sin cos tan "
    "arcsin arccos arctan sinh cosh tanh abs sign maximum minimum where clip equal not_equal "
    "sigmoid relu softplus softmax log_softmax logsumexp sum mean prod max min dot matmul outer "
    "tensordot einsum reshape transpose broadcast_to expand_dims squeeze concatenate stack take "
    "take_along_axis zeros_like ones_like eye constant"
).split()


# ---------------------------------------------------------------------------
# Numeric helpers shared by the checkers
# ---------------------------------------------------------------------------


def assert_close(got, want, rtol: float, atol: float, what: str = "") -> None:
    """``|got - want| <= atol + rtol * |want|`` elementwise; the message names the worst entry."""
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != expected {want.shape}"
    if want.size == 0:
        return
    g = got.astype(np.float64)
    w = want.astype(np.float64)
    err = np.abs(g - w)
    tol = atol + rtol * np.abs(w)
    excess = np.where(np.isnan(err) & ~(np.isnan(g) & np.isnan(w)), np.inf, err - tol)
    excess = np.where(np.isnan(g) & np.isnan(w), -np.inf, excess)
    worst = np.unravel_index(int(np.argmax(excess)), w.shape) if w.ndim else ()
    if excess[worst] > 0:
        nbad = int(np.sum(excess > 0))
        raise AssertionError(
            f"{what}: {nbad}/{w.size} entries differ; worst at index {tuple(int(i) for i in worst)}: "
            f"got {g[worst]!r}, expected {w[worst]!r} (rtol={rtol}, atol={atol})"
        )


def call(fn, xs: Sequence[np.ndarray]):
    return fn(*[np.copy(x) for x in xs])

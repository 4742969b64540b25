"""Per-operation lowering table of the Numba backend.

Every operation in ``symdiff.graph.OPS`` has exactly one entry here, keyed by
``op.name`` and filled by the ``@lowering(name, kind)`` decorator. The kind
tells the planner (``fusion.py``) how a node may be scheduled:

``source``      no inputs (input symbols, constants, fill, eye, size_of)
``elementwise`` a scalar expression template of its inputs, which are read
                with NumPy broadcasting; fused into loop nests
``remap``       the same data at other indices (transpose, basic getitem,
                slice_axis, broadcast_to, reshapes that only add or drop unit
                axes); fused, the input is read at the remapped index
``read``        a guarded or data-dependent read of materialised arrays
                (pad_axis, scatter_index, concatenate, take, take_along_axis);
                fused, but its array inputs are materialised first
``reduction``   an accumulator in the loop nest of its input
``opaque``      code of its own between loop nests (einsum via BLAS or loops,
                scatter-adds, general reshape)

Elementwise templates receive their inputs as expressions already cast to the
operation's computing dtype, and return an expression (or, for multi-step
forms, ``(lines, expr)``) of the node's dtype. The cast rules keep every
expression's type exact, so Numba's typing never has to guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ... import dtypes as dt
from ...graph import OPS
from ...ops import elementwise as ew

KINDS = ("source", "elementwise", "remap", "read", "reduction", "opaque")


@dataclass
class Lowering:
    name: str
    kind: str
    #: elementwise: template(ctx, node, args, in_dtypes) -> expr | (lines, expr)
    template: Callable | None = None
    #: computing dtype of the inputs (elementwise); None: the node's dtype
    compute_dtype: Callable | None = None
    #: relative cost of one evaluation (decides recomputation vs. materialisation)
    cost: int = 1
    extra: dict = field(default_factory=dict)


LOWERINGS: dict[str, Lowering] = {}


def lowering(name: str, kind: str, cost: int = 1, compute_dtype=None):
    """Register the function below as the lowering of operation ``name``."""
    assert kind in KINDS, kind

    def deco(fn):
        if name in LOWERINGS:
            raise TypeError(f"numba lowering for {name} registered twice")
        LOWERINGS[name] = Lowering(name, kind, fn, compute_dtype, cost)
        return fn

    return deco


def missing_lowerings() -> list[str]:
    """Operations without a lowering (the registry test asserts this is empty)."""
    return sorted(set(OPS) - set(LOWERINGS))


# ------------------------------------------------------------------ literals and casts

_NP = {"float64": "np.float64", "float32": "np.float32", "int64": "np.int64", "bool": "np.bool_"}


def np_type(dtype) -> str:
    return _NP[np.dtype(dtype).name]


def literal(value, dtype) -> str:
    """Source text of a scalar of ``dtype`` whose Numba type is exactly ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype == dt.BOOL:
        return "True" if bool(value) else "False"
    if dtype == dt.INT64:
        return f"np.int64({int(value)})"
    v = float(value)
    if np.isnan(v):
        text = "np.nan"
    elif np.isinf(v):
        text = "np.inf" if v > 0 else "-np.inf"
    else:
        text = repr(v)
    if dtype == dt.FLOAT32:
        return f"np.float32({text})"
    return text


def cast(expr: str, src, dst) -> str:
    """``expr`` of dtype ``src`` converted to ``dst`` (as NumPy's ``astype``)."""
    src, dst = np.dtype(src), np.dtype(dst)
    if src == dst:
        return expr
    if dst == dt.BOOL:
        return f"({expr} != 0)"
    return f"{np_type(dst)}({expr})"


# ------------------------------------------------------------------ sources

@lowering("input", "source")
def _input(*a):
    raise AssertionError("inputs are bound, not lowered")


@lowering("constant", "source")
def _constant(*a):
    raise AssertionError("constants are literals or module globals")


@lowering("fill", "source")
def _fill(*a):
    raise AssertionError("handled by codegen")


@lowering("eye", "source")
def _eye(*a):
    raise AssertionError("handled by codegen")


@lowering("size_of", "source")
def _size_of(*a):
    raise AssertionError("handled by codegen")


# ------------------------------------------------------------------ elementwise

def _float_dtype(node):
    return node.dtype


def _promoted_inputs(node):
    return dt.promote(*(x.dtype for x in node.inputs))


def vector_math() -> bool:
    """True when LLVM vectorises exp/log/sin/cos through libmvec (see ``vecmath.py``)."""
    from .vecmath import enabled

    return enabled()


#: functions LLVM's libmvec table lacks, written (runtime.py) in terms of exp and
#: log so that a loop calling them still vectorises; libm's scalar calls otherwise
_VECTOR_FORMS = {"log1p": "_log1p", "expm1": "_expm1", "tanh": "_tanh", "sinh": "_sinh", "cosh": "_cosh"}


def _math_call(name: str) -> str:
    if name in _VECTOR_FORMS and vector_math():
        return _VECTOR_FORMS[name]
    return f"np.{name}"


def _unary_math(name: str, cost: int):
    @lowering(name, "elementwise", cost=cost)
    def t(ctx, node, args, dts):
        return f"{_math_call(name)}({args[0]})"

    return t


for _name, _cost in [("exp", 8), ("log", 8), ("log1p", 10), ("expm1", 10), ("sqrt", 4),
                     ("sin", 10), ("cos", 10), ("tan", 12), ("arcsin", 12), ("arccos", 12),
                     ("arctan", 12), ("sinh", 12), ("cosh", 12), ("tanh", 12)]:
    _unary_math(_name, _cost)


@lowering("add", "elementwise")
def _add(ctx, node, a, dts):
    return f"({a[0]} | {a[1]})" if node.dtype == dt.BOOL else f"({a[0]} + {a[1]})"


#: terms per line of an ``add_n``
ADD_N_CHUNK = 32


@lowering("add_n", "elementwise")
def _add_n(ctx, node, a, dts):
    op = " | " if node.dtype == dt.BOOL else " + "
    if len(a) <= ADD_N_CHUNK:
        return "(" + op.join(a) + ")"
    # many terms (a gradient accumulating thousands of uses): partial sums on
    # lines of their own, not one expression nested thousands deep
    acc = ctx.temp("s")
    lines = [f"{acc} = ({op.join(a[:ADD_N_CHUNK])})"]
    for k in range(ADD_N_CHUNK, len(a), ADD_N_CHUNK):
        nxt = ctx.temp("s")
        lines.append(f"{nxt} = ({acc}{op}{op.join(a[k:k + ADD_N_CHUNK])})")
        acc = nxt
    return lines, acc


@lowering("subtract", "elementwise")
def _subtract(ctx, node, a, dts):
    return f"({a[0]} - {a[1]})"


@lowering("negative", "elementwise")
def _negative(ctx, node, a, dts):
    return f"(-{a[0]})"


@lowering("multiply", "elementwise")
def _multiply(ctx, node, a, dts):
    return f"({a[0]} & {a[1]})" if node.dtype == dt.BOOL else f"({a[0]} * {a[1]})"


@lowering("divide", "elementwise", cost=2)
def _divide(ctx, node, a, dts):
    return f"({a[0]} / {a[1]})"


@lowering("reciprocal", "elementwise", cost=2)
def _reciprocal(ctx, node, a, dts):
    return f"({literal(1, node.dtype)} / {a[0]})"


def _const_scalar(node):
    """The value of a constant whose entries are all equal, else None."""
    if node.op.is_constant:
        arr = node.kw["value"].array
        if arr.size and np.all(arr == arr.flat[0]):
            return arr.flat[0].item()
    return None


@lowering("power", "elementwise", cost=10)
def _power(ctx, node, a, dts):
    d = node.dtype
    if d == dt.BOOL:
        return f"({a[0]} | (not {a[1]}))"
    if d == dt.INT64:
        return f"_ipow({a[0]}, {a[1]})"
    k = _const_scalar(node.inputs[1])
    if k == 2:
        return f"({a[0]} * {a[0]})"
    if k == 1:
        return a[0]
    return f"({a[0]} ** {a[1]})"


@lowering("square", "elementwise")
def _square(ctx, node, a, dts):
    return a[0] if node.dtype == dt.BOOL else f"({a[0]} * {a[0]})"


@lowering("abs", "elementwise")
def _abs(ctx, node, a, dts):
    return a[0] if node.dtype == dt.BOOL else f"abs({a[0]})"


@lowering("sign", "elementwise")
def _sign(ctx, node, a, dts):
    return f"np.sign({a[0]})"


def _nan_choose(a, b, cmp):
    # NumPy's maximum/minimum propagate NaN from either side
    return f"({a} if ({a} {cmp} {b} or {a} != {a}) else {b})"


@lowering("maximum", "elementwise")
def _maximum(ctx, node, a, dts):
    if node.dtype == dt.BOOL:
        return f"({a[0]} | {a[1]})"
    if node.dtype == dt.INT64:
        return f"max({a[0]}, {a[1]})"
    return _nan_choose(a[0], a[1], ">")


@lowering("minimum", "elementwise")
def _minimum(ctx, node, a, dts):
    if node.dtype == dt.BOOL:
        return f"({a[0]} & {a[1]})"
    if node.dtype == dt.INT64:
        return f"min({a[0]}, {a[1]})"
    return _nan_choose(a[0], a[1], "<")


def _where_dtype(node, i):
    return dt.BOOL if i == 0 else node.dtype


@lowering("where", "elementwise", compute_dtype=_where_dtype)
def _where(ctx, node, a, dts):
    return f"({a[1]} if {a[0]} else {a[2]})"


def _same(node, i):
    return node.inputs[i].dtype


@lowering("cast", "elementwise", compute_dtype=_same)
def _cast(ctx, node, a, dts):
    return cast(a[0], node.inputs[0].dtype, node.dtype)


def _cmp_dtype(node, i):
    return _promoted_inputs(node)


for _name, _sym in [("less", "<"), ("less_equal", "<="), ("greater", ">"),
                    ("greater_equal", ">="), ("equal", "=="), ("not_equal", "!=")]:
    def _make(sym):
        def t(ctx, node, a, dts):
            return f"({a[0]} {sym} {a[1]})"
        return t

    lowering(_name, "elementwise", compute_dtype=_cmp_dtype)(_make(_sym))


def _bool_dtype(node, i):
    return dt.BOOL


@lowering("logical_and", "elementwise", compute_dtype=_bool_dtype)
def _land(ctx, node, a, dts):
    return f"({a[0]} & {a[1]})"


@lowering("logical_or", "elementwise", compute_dtype=_bool_dtype)
def _lor(ctx, node, a, dts):
    return f"({a[0]} | {a[1]})"


@lowering("logical_not", "elementwise", compute_dtype=_bool_dtype)
def _lnot(ctx, node, a, dts):
    return f"(not {a[0]})"


@lowering("sigmoid", "elementwise", cost=12)
def _sigmoid(ctx, node, a, dts):
    one, zero = literal(1, node.dtype), literal(0, node.dtype)
    e = ctx.temp()
    lines = [f"{e} = np.exp(-abs({a[0]}))"]
    return lines, f"({one} / ({one} + {e}) if {a[0]} >= {zero} else {e} / ({one} + {e}))"


@lowering("softplus", "elementwise", cost=20)
def _softplus(ctx, node, a, dts):
    zero = literal(0, node.dtype)
    x = a[0]
    return f"(({x} if {x} > {zero} else {zero}) + {_math_call('log1p')}(np.exp(-abs({x}))))"


@lowering("relu", "elementwise")
def _relu(ctx, node, a, dts):
    zero = literal(0, node.dtype)
    return f"({a[0]} if {a[0]} > {zero} else {zero})"


def compute_dtype(node, i):
    """dtype input ``i`` of an elementwise ``node`` is cast to before the template."""
    low = LOWERINGS[node.op.name]
    if low.compute_dtype is not None:
        return np.dtype(low.compute_dtype(node, i))
    return node.dtype


# ------------------------------------------------------------------ remaps, reads, reductions, opaque
# Their code is generated by codegen.py from the node's params; the entries
# here declare how the planner treats them.

for _name in ("transpose", "getitem", "slice_axis", "broadcast_to"):
    lowering(_name, "remap", cost=0)(lambda *a: None)

# reshape is a remap when it only adds or drops unit axes, else opaque (a view
# of a C-contiguous array); the planner asks ``reshape_is_remap``.
lowering("reshape", "remap", cost=0)(lambda *a: None)

for _name in ("pad_axis", "scatter_index", "concatenate", "take", "take_along_axis"):
    lowering(_name, "read", cost=1)(lambda *a: None)

for _name in ("sum", "prod", "max", "min", "logsumexp"):
    lowering(_name, "reduction", cost=1)(lambda *a: None)

for _name in ("einsum", "take_add", "put_along_axis_add"):
    lowering(_name, "opaque", cost=1)(lambda *a: None)


def reshape_is_remap(node) -> bool:
    """A reshape that only inserts or removes unit axes is an index remap."""
    src = [d for d in node.inputs[0].shape if d != 1]
    dst = [d for d in node.shape if d != 1]
    return src == dst


def kind_of(node) -> str:
    low = LOWERINGS.get(node.op.name)
    if low is None:
        raise NotImplementedError(f"the numba backend has no lowering for operation {node.op.name!r}")
    if node.op.name == "reshape" and not reshape_is_remap(node):
        return "opaque"
    return low.kind


def node_cost(node) -> int:
    return LOWERINGS[node.op.name].cost


__all__ = ["LOWERINGS", "Lowering", "lowering", "missing_lowerings", "kind_of", "literal", "cast",
           "compute_dtype", "np_type", "reshape_is_remap"]

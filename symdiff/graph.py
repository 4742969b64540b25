"""The graph: immutable, hash-consed nodes and the operation base class.

A :class:`Node` is ``(op, inputs, params)`` plus the shape and dtype its
operation inferred. Nodes are created only through :meth:`Op.make`, which
looks the triple up in an intern table first, so building the same expression
twice returns the very same node: common subexpressions are shared from the
start and ``count_nodes`` does not grow. Every node can be rebuilt from its
parts: ``node.op.make(*node.inputs, **node.kw) is node``.

Inputs need identity, not structure: two ``sd.scalar("x")`` calls are two
different symbols, because each input carries a unique serial in its params.
"""

from __future__ import annotations

import itertools
import secrets
import weakref
from typing import Any, ClassVar, Sequence

import numpy as np

from . import dtypes as _dt
from .dims import Shape, check_dim, shape_str
from .errors import ShapeError

_INTERN: "weakref.WeakValueDictionary[tuple, Node]" = weakref.WeakValueDictionary()
# symbols' serials: a random prefix per process and a counter, so symbols made in different processes
# (a graph loaded or unpickled here) never have the same identity
_SERIAL = itertools.count()
_PROCESS = secrets.token_hex(8)
OPS: dict[str, "Op"] = {}


class Node:
    """One value in a graph: the result of ``op`` applied to ``inputs``.

    >>> import symdiff as sd
    >>> x = sd.vector("x", "n")
    >>> y = sd.exp(x) * 2.0
    >>> y.shape, y.dtype, sd.exp(x) is sd.exp(x)
    (('n',), dtype('float64'), True)
    """

    __slots__ = ("op", "inputs", "params", "kw", "shape", "dtype", "__weakref__")
    # NumPy ufuncs refuse nodes (``np.exp(x)`` raises; ``ndarray + node`` defers to our reflected
    # operators); NumPy's other functions dispatch to symdiff's (``__array_function__``)
    __array_ufunc__ = None

    op: "Op"
    inputs: tuple["Node", ...]
    params: tuple
    kw: dict
    shape: Shape
    dtype: np.dtype

    def __init__(self, op, inputs, params, kw, shape, dtype):
        set_ = object.__setattr__
        set_(self, "op", op)
        set_(self, "inputs", inputs)
        set_(self, "params", params)
        set_(self, "kw", kw)
        set_(self, "shape", shape)
        set_(self, "dtype", dtype)

    def __setattr__(self, name, value):
        raise AttributeError("symdiff nodes are immutable")

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def name(self) -> str | None:
        """The symbol's name for inputs, else None."""
        return self.kw.get("name") if self.op.is_input else None

    def __repr__(self) -> str:
        label = self.op.label(self)
        return f"<{label} {shape_str(self.shape)} {self.dtype}>"

    def __bool__(self):
        raise TypeError(
            "a symbolic node has no truth value; use sd.where for conditions "
            "and `is` for identity"
        )

    __hash__ = object.__hash__

    def __copy__(self):
        return self  # immutable, like a tuple

    def __reduce__(self):
        """Pickled as its graph in the flat format of ``symdiff.graphio`` (any depth, no recursion)."""
        from .graphio import node_reduce

        return node_reduce(self)

    def __deepcopy__(self, memo):
        return self

    # Operators: defined in numpy_api to keep this module free of operations.
    from ._operators import (  # noqa: E402  (class-body import of method objects)
        __abs__, __add__, __ge__, __getitem__, __gt__, __le__, __lt__, __matmul__,
        __mod__, __mul__, __neg__, __pos__, __pow__, __radd__, __rmatmul__, __rmod__, __rmul__,
        __rpow__, __rsub__, __rtruediv__, __sub__, __truediv__, T, astype, max,
        mean, min, prod, reshape, sum, dot, size, __array_function__, __array__,
    )
    # iteration over a fixed-length leading axis (x[0], x[1], ...) and functional updates (x.at[i].set(v))
    from ._operators import __contains__, __iter__, __len__, at


class Op:
    """Base class of operations. One instance per operation (``Exp()``).

    A subclass keeps, in one place: its shape/dtype rule (:meth:`infer`), its
    reference NumPy evaluation (:meth:`impl`), its reverse rule (:meth:`vjp`)
    and forward rule (:meth:`jvp`), and its docstring. Backends register
    lowerings elsewhere, keyed by ``op.name``.

    Rules are written with symdiff operations, so derivatives are graphs and
    can be differentiated again.
    """

    name: ClassVar[str] = ""
    #: params holding dims or shapes, resolved to ints when evaluated
    dim_params: ClassVar[tuple[str, ...]] = ()
    #: inputs through which no derivative flows (e.g. ``where``'s condition)
    nondiff_inputs: ClassVar[tuple[int, ...]] = ()
    #: the op has no derivative at all (comparisons; its output is never float)
    differentiable: ClassVar[bool] = True
    is_input: ClassVar[bool] = False
    is_constant: ClassVar[bool] = False
    #: the node's value is a tuple of arrays, read through ``tuple_get`` (loops)
    multi_output: ClassVar[bool] = False
    #: params holding closed subgraphs (``Body``): passes that rewrite or print graphs go inside, and
    #: the reference interpreter calls ``impl`` with ``env=`` (the sizes) and ``plan_of=`` (body -> plan)
    body_params: ClassVar[tuple[str, ...]] = ()
    #: how output elements depend on input elements, for sparsity detection (``symdiff/sparsity``):
    #: "elementwise", "gather", "scatter", "reduce", "contract", "prefix", "batched", "none" or
    #: "dense" (conservative). Every operation declares one (``tests/test_registry.py``).
    sparsity: ClassVar[str | None] = None
    #: which inputs interact to second order: "all", "none", or pairs ``((k, l), ...)``
    curvature: ClassVar = "all"

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if cls.__dict__.get("name"):
            missing = [m for m in ("infer", "impl") if getattr(cls, m) is getattr(Op, m)]
            if cls.differentiable:
                missing += [m for m in ("vjp", "jvp") if getattr(cls, m) is getattr(Op, m)]
            if missing:
                raise TypeError(f"operation {cls.name} lacks {', '.join(missing)}")
            if cls.name in OPS:
                raise TypeError(f"operation name {cls.name} registered twice")
            OPS[cls.name] = cls()

    def __repr__(self) -> str:
        return f"Op({self.name})"

    def __reduce__(self):
        return (_op_by_name, (self.name,))

    # -- construction ---------------------------------------------------------
    def make(self, *inputs: Node, **params: Any) -> Node:
        """The unique node for ``self(*inputs, **params)``, built once."""
        params = self.canonical_params(*inputs, **params)
        key_params = tuple(sorted(params.items()))
        key = (self, inputs, key_params)
        try:
            node = _INTERN.get(key)
        except TypeError as e:  # an unhashable param is a bug in an op
            raise TypeError(f"{self.name}: unhashable parameter in {params!r}") from e
        if node is None:
            shape, dtype = self.infer(*inputs, **params)
            node = Node(self, inputs, key_params, params, tuple(shape), np.dtype(dtype))
            _INTERN[key] = node
        return node

    def canonical_params(self, *inputs: Node, **params: Any) -> dict:
        """Normalise params so equal meanings give equal keys (must be idempotent)."""
        return params

    def label(self, node: Node) -> str:
        """Short text for printing: the name and the params that matter."""
        if not node.kw:
            return self.name
        inner = ", ".join(f"{k}={_fmt(v)}" for k, v in node.params)
        return f"{self.name}{{{inner}}}"

    # -- rules ------------------------------------------------------------------
    def infer(self, *inputs: Node, **params) -> tuple[Shape, np.dtype]:
        raise NotImplementedError

    def impl(self, *values: np.ndarray, **params) -> np.ndarray:
        raise NotImplementedError

    def vjp(self, ct: Node, out: Node, *inputs: Node, **params) -> Sequence[Node | None]:
        """Cotangent of each input given the output cotangent ``ct``.

        A cotangent may have the output's (broadcast) shape; the reverse pass
        sums it back to the input's shape. ``None`` means zero.
        """
        raise NotImplementedError(f"{self.name} has no derivative")

    def jvp(self, tangents: Sequence[Node | None], out: Node, *inputs: Node, nb: int = 0, **params) -> Node | None:
        """Tangent of the output given the inputs' tangents (``None`` is zero).

        Each tangent carries ``nb`` leading batch axes ahead of its input's
        shape; the result must carry the same batch axes ahead of ``out.shape``
        (or broadcast to that). This is what lets Jacobians and Hessians be
        built from one batched pass seeded with an identity matrix.
        """
        raise NotImplementedError(f"{self.name} has no derivative")


def _op_by_name(name: str) -> Op:
    return OPS[name]


def _fmt(v: Any) -> str:
    if isinstance(v, tuple):
        return "(" + ", ".join(_fmt(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, slice):
        parts = ["" if p is None else str(p) for p in (v.start, v.stop, v.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if v.step is not None else "")
    if isinstance(v, np.dtype):
        return str(v)
    return repr(v) if isinstance(v, str) else str(v)


# -- inputs and constants -------------------------------------------------------------


class Input(Op):
    """An input symbol: a named placeholder for a value given at call time."""

    name = "input"
    is_input = True
    sparsity = "none"
    differentiable = False

    def infer(self, *, name, shape, dtype, serial):
        return shape, dtype

    def impl(self, **params):
        raise RuntimeError("inputs are bound, not evaluated")

    def label(self, node):
        return str(node.kw["name"])


class ConstValue:
    """A hashable, read-only wrapper around a constant's array (compared by bytes)."""

    __slots__ = ("array", "_key")

    def __init__(self, array: np.ndarray):
        array = np.array(array, copy=True)
        array.setflags(write=False)
        self.array = array
        self._key = (array.dtype.str, array.shape, array.tobytes())

    def __hash__(self):
        return hash(self._key)

    def __eq__(self, other):
        return isinstance(other, ConstValue) and self._key == other._key

    def __repr__(self):
        a = self.array
        if a.ndim == 0:
            return repr(a.item())
        if a.size <= 6:
            return np.array2string(a, separator=", ")
        return f"array{shape_str(a.shape)}"


class Constant(Op):
    """A constant array, shared by value (equal constants are one node)."""

    name = "constant"
    is_constant = True
    sparsity = "none"
    differentiable = False

    def infer(self, *, value):
        return value.array.shape, value.array.dtype

    def impl(self, *, value):
        return value.array

    def label(self, node):
        return repr(node.kw["value"])


INPUT = OPS["input"]
CONSTANT = OPS["constant"]


def make_input(name: str, shape, dtype="float64") -> Node:
    if not isinstance(name, str) or not name:
        raise TypeError(f"a symbol's name must be a non-empty str, got {name!r}")
    shape = tuple(check_dim(d, f"symbol {name!r}") for d in shape)
    return INPUT.make(name=name, shape=shape, dtype=_dt.as_dtype(dtype), serial=f"{_PROCESS}-{next(_SERIAL)}")


def constant(value: Any, dtype: Any = None) -> Node:
    """A constant node from a Python number or NumPy array.

    >>> import symdiff as sd
    >>> sd.constant(2.0).shape, sd.constant([1, 2]).dtype
    ((), dtype('int64'))
    """
    if isinstance(value, Node):
        return value if dtype is None else value.astype(dtype)
    if dtype is not None:
        dt = _dt.as_dtype(dtype)
        arr = np.asarray(value, dtype=dt)
    else:
        try:
            arr = np.asarray(value)
        except OverflowError:
            raise ShapeError(f"constant: {value!r} does not fit in int64") from None
        if arr.dtype == object:
            raise TypeError(f"cannot make a constant from {type(value).__name__}")
        if arr.dtype.kind == "u" and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise ShapeError(f"constant: unsigned values up to {arr.max()} do not fit in int64")
        arr = arr.astype(_dt.normalize_array_dtype(arr.dtype), copy=False)
    return CONSTANT.make(value=ConstValue(arr))


def as_node(value: Any, like: np.dtype | None = None) -> Node:
    """``value`` as a node; a Python number takes a weak dtype next to ``like``."""
    if isinstance(value, Node):
        return value
    if isinstance(value, (bool, int, float)) and not isinstance(value, np.generic):
        dtype = _dt.weak_scalar_dtype(value, like)
        key = (type(value), value, dtype)
        node = _SCALARS.get(key)
        if node is None:
            if len(_SCALARS) > 4096:
                _SCALARS.clear()
            node = _SCALARS[key] = constant(value, dtype)
        return node
    if isinstance(value, (np.ndarray, np.generic, list, tuple)):
        return constant(value)
    raise TypeError(f"cannot use a {type(value).__name__} as a symdiff operand")


_SCALARS: dict = {}  # Python numbers seen recently, so `x * 0.5` does not re-hash an array


def as_nodes(*values: Any) -> list[Node]:
    """Operands of one operation: arrays and nodes are strong, Python numbers weak."""
    strong = [v.dtype if isinstance(v, Node) else np.asarray(v).dtype
              for v in values
              if not (isinstance(v, (bool, int, float)) and not isinstance(v, np.generic))]
    like = None
    if strong:
        like = _dt.promote(*[_dt.normalize_array_dtype(d) if d != object else _dt.FLOAT64 for d in strong])
    return [as_node(v, like) for v in values]


def const_like(value: float, node: Node) -> Node:
    """A 0-d constant with ``node``'s dtype (float64 if ``node`` is not float)."""
    dt = node.dtype if _dt.is_float(node.dtype) else _dt.FLOAT64
    return constant(np.asarray(value, dtype=dt))


__all__ = ["Node", "Op", "OPS", "ShapeError", "as_node", "as_nodes", "constant", "const_like", "make_input"]

"""Arrays from Python structures (``sd.asarray``, ``sd.array``) and functional updates
``x.at[index].set(v)`` / ``.add`` / ``.multiply`` / ``.min`` / ``.max`` / ``.get`` (JAX's spelling).

No new operation: an update is a ``where`` between ``x`` and the values scattered by the
transposes of indexing (``scatter_index`` for a basic index, ``take_add`` for an integer
array), so every derivative order and both backends come for free.

Repeated indices (possible only with an integer-array index): ``add`` accumulates every value
(``np.add.at``, JAX); ``set`` keeps the value of the *last* occurrence, as a Python loop of
assignments would (found with a stable ``argsort`` of the indices; no derivative reaches the
overwritten values); ``multiply``, ``min`` and ``max`` need ``unique_indices=True`` (a promise;
broken, the values of a repeated index are summed first).

>>> import symdiff as sd
>>> x = sd.vector("x", 4)
>>> y = x.at[1:3].set(0.0)
>>> sd.evaluate(y, {x: [1.0, 2.0, 3.0, 4.0]}).tolist()
[1.0, 0.0, 0.0, 4.0]
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from ..dims import shape_str
from ..errors import ShapeError
from ..graph import OPS, Node, as_node, as_nodes, constant
from ..shapes import broadcast_shapes
from . import elementwise as ew
from . import shape as shp
from .creation import full, size_of
from .cumulative import previous
from .indexing import canonical_index, getitem, take
from .sorting import argsort

# ---------------------------------------------------------------- asarray / array


def _has_node(obj) -> bool:
    if isinstance(obj, Node):
        return True
    return isinstance(obj, (list, tuple)) and any(_has_node(e) for e in obj)


def _leaves(obj, out: list) -> None:
    if isinstance(obj, (list, tuple)) and not isinstance(obj, Node):
        for e in obj:
            _leaves(e, out)
    else:
        out.append(obj)


def _assemble(obj, it, fn: str) -> Node:
    """Rebuild the nesting of ``obj`` from the converted leaves ``it``, stacking each level."""
    if not isinstance(obj, (list, tuple)):
        return next(it)
    if not obj:
        raise ValueError(f"{fn}: an empty sequence next to nodes has no shape to stack with")
    parts = [_assemble(e, it, fn) for e in obj]
    shapes = {p.shape for p in parts}
    if len(shapes) > 1:
        raise ValueError(f"{fn}: the entries of one sequence have different shapes "
                         f"({', '.join(shape_str(s) for s in sorted(shapes, key=str))}); a node cannot be ragged")
    return shp.stack(parts)


def asarray(obj, dtype=None) -> Node:
    """``numpy.asarray`` for graphs: a node stays itself, numbers and arrays become constants,
    and (nested) lists and tuples holding nodes become one node, stacked level by level.

    Python numbers next to nodes take the nodes' dtype (as in arithmetic); ``dtype`` casts.

    >>> import symdiff as sd
    >>> x = sd.scalar("x")
    >>> y = sd.asarray([[x, 1.0], [2.0, x * x]])
    >>> y.shape, sd.evaluate(y, {x: 3.0}).tolist()
    ((2, 2), [[3.0, 1.0], [2.0, 9.0]])
    """
    if isinstance(obj, Node):
        return obj if dtype is None else ew.cast(obj, dtype)
    if not _has_node(obj):
        if isinstance(obj, (str, bytes, dict, set)) or obj is None:
            raise TypeError(f"asarray: cannot make an array from a {type(obj).__name__}")
        return constant(obj, dtype)
    raw: list = []
    _leaves(obj, raw)
    for v in raw:
        if not isinstance(v, (Node, bool, int, float, np.generic, np.ndarray)):
            raise TypeError(f"asarray: cannot use a {type(v).__name__} as an entry of an array")
    leaves = as_nodes(*raw)
    target = dt.as_dtype(dtype) if dtype is not None else dt.promote(*[v.dtype for v in leaves])
    return _assemble(obj, iter([ew.cast(v, target) for v in leaves]), "asarray")


def array(obj, dtype=None, copy: bool = True) -> Node:
    """``numpy.array`` for graphs: the same as :func:`asarray` (nodes are immutable, so there is
    nothing to copy).

    >>> import symdiff as sd
    >>> sd.array([sd.scalar("a"), 2]).shape
    (2,)
    """
    return asarray(obj, dtype)


# ---------------------------------------------------------------- x.at[index]

_METHODS = ("set", "add", "multiply", "min", "max")


def _is_array_index(index) -> bool:
    if isinstance(index, (Node, np.ndarray, list)):
        return True
    return isinstance(index, tuple) and any(isinstance(e, (Node, np.ndarray, list)) for e in index)


class IndexUpdate:
    """``x.at``: ``x.at[index]`` names the entries a functional update writes (JAX's spelling)."""

    __slots__ = ("node",)

    def __init__(self, node: Node):
        self.node = node

    def __getitem__(self, index) -> IndexedEntries:
        return IndexedEntries(self.node, index)

    def __repr__(self):
        return f"{self.node!r}.at"


class IndexedEntries:
    """``x.at[index]``: ``.get()``, ``.set(v)``, ``.add(v)``, ``.multiply(v)``, ``.min(v)``, ``.max(v)``,
    each a new node (``x`` is unchanged). ``index`` is a basic index (ints, slices, None, ...) or one
    integer array along axis 0, as for ``x[index]``.

    >>> import symdiff as sd
    >>> x = sd.vector("x", 3)
    >>> sd.evaluate(x.at[[0, 2, 0]].add(1.0), {x: [0.0, 0.0, 0.0]}).tolist()
    [2.0, 0.0, 1.0]
    """

    __slots__ = ("index", "node")

    def __init__(self, node: Node, index):
        self.node, self.index = node, index

    def __repr__(self):
        return f"{self.node!r}.at[{self.index!r}]"

    def get(self, **options) -> Node:
        """``x[index]``."""
        _check_options("get", options, allowed=("unique_indices", "indices_are_sorted", "mode", "fill_value"))
        return getitem(self.node, self.index)

    def set(self, values, **options) -> Node:
        """``x`` with ``values`` written at ``index`` (a repeated index: the last occurrence wins)."""
        return self._update("set", values, options)

    def add(self, values, **options) -> Node:
        """``x`` with ``values`` added at ``index`` (a repeated index adds every value)."""
        return self._update("add", values, options)

    def multiply(self, values, **options) -> Node:
        """``x`` multiplied by ``values`` at ``index``."""
        return self._update("multiply", values, options)

    def min(self, values, **options) -> Node:
        """``minimum(x, values)`` at ``index``, ``x`` elsewhere."""
        return self._update("min", values, options)

    def max(self, values, **options) -> Node:
        """``maximum(x, values)`` at ``index``, ``x`` elsewhere."""
        return self._update("max", values, options)

    def _update(self, method: str, values, options) -> Node:
        unique = _check_options(method, options)
        x = self.node
        fn = f"x.at[...].{method}"
        if isinstance(values, (list, tuple)):
            values = asarray(values)
        v = ew.cast(as_node(values, x.dtype), x.dtype)
        if _is_array_index(self.index):
            return _array_update(fn, method, x, self.index, v, unique)
        return _basic_update(fn, method, x, self.index, v)


def _check_options(method: str, options: dict, allowed=("unique_indices", "indices_are_sorted")) -> bool:
    for k, val in options.items():
        if k not in allowed:
            raise TypeError(f"x.at[...].{method}: unexpected keyword argument {k!r}")
        if k == "mode" and val is not None:
            raise TypeError(f"x.at[...].{method}: mode={val!r} is not supported (indices must be in bounds)")
    unique = options.get("unique_indices", False)
    if not isinstance(unique, (bool, np.bool_)):
        raise TypeError(f"x.at[...].{method}: unique_indices must be True or False, got {unique!r}")
    return bool(unique)


def _spread(fn: str, v: Node, shape) -> Node:
    """``v`` broadcast to the indexed entries' ``shape`` (a ShapeError naming the update otherwise)."""
    try:
        ok = broadcast_shapes(fn, v.shape, shape) == tuple(shape)
    except ShapeError:
        ok = False
    if not ok:
        raise ShapeError(f"{fn}: values of shape {shape_str(v.shape)} do not broadcast to the indexed "
                         f"entries' shape {shape_str(tuple(shape))}")
    return v if v.shape == tuple(shape) else shp.broadcast_to(v, tuple(shape))


def _combine(method: str, x: Node, placed: Node, hit: Node) -> Node:
    """``x`` where ``hit`` is false; where it is true, ``placed`` combined with ``x`` by ``method``."""
    if method == "set":
        new = placed
    elif method == "add":
        new = ew.add(x, placed)
    elif method == "multiply":
        new = ew.multiply(x, placed)
    elif method == "min":
        new = ew.minimum(x, placed)
    else:
        new = ew.maximum(x, placed)
    return ew.where(hit, new, x)


def _basic_update(fn: str, method: str, x: Node, index, v: Node) -> Node:
    ci = canonical_index(x, index)
    target = getitem(x, index)
    v = _spread(fn, v, target.shape)
    if target is x:                       # the whole array
        return _combine(method, x, v, full(x.shape, True, dt.BOOL))
    placed = OPS["scatter_index"].make(v, index=ci, shape=x.shape)
    hit = OPS["scatter_index"].make(full(target.shape, True, dt.BOOL), index=ci, shape=x.shape)
    return _combine(method, x, placed, hit)


def _array_update(fn: str, method: str, x: Node, index, v: Node, unique: bool) -> Node:
    if isinstance(index, tuple):
        raise TypeError(f"{fn}: only a single integer-array index (along axis 0) is supported, got {index!r}")
    idx = as_node(np.asarray(index) if isinstance(index, list) else index)
    if idx.dtype == dt.BOOL:
        raise TypeError(f"{fn}: a boolean mask gives a data-dependent shape; use sd.where(mask, v, x) instead")
    if idx.dtype != dt.INT64:
        raise TypeError(f"{fn}: indices must be integers, got {idx.dtype}")
    if x.ndim == 0:
        raise IndexError(f"{fn}: a 0-d array cannot be indexed by an integer array")
    rows = x.shape[1:]
    v = _spread(fn, v, idx.shape + rows)
    k = shp.reshape(idx, (-1,))
    v = shp.reshape(v, k.shape + rows)
    n = x.shape[0]
    ones = full(k.shape, 1, dt.INT64)
    if method == "add":
        return ew.add(x, OPS["take_add"].make(v, k, axis=0, shape=x.shape))
    if method == "set" and not unique:
        # the last occurrence of each index wins: stable-sort the indices and keep the end of each run
        k = ew.where(ew.less(k, 0), ew.add(k, size_of((n,), dt.INT64)), k)
        order = argsort(k)
        ranked = take(k, order)
        after = ew.subtract(previous(ew.add(ranked, 1), 0, reverse=True), 1)   # the next one, -1 at the end
        last = OPS["take_add"].make(ew.cast(ew.not_equal(ranked, after), dt.INT64), order, axis=0, shape=k.shape)
        ones = last
        v = ew.where(shp.reshape(ew.greater(last, 0), k.shape + (1,) * len(rows)), v, 0)
    elif method != "set" and not unique:
        raise ValueError(f"{fn}: with an integer-array index a repeated index would have to combine several "
                         "values; pass unique_indices=True if the indices are distinct, or use a basic index")
    placed = OPS["take_add"].make(v, k, axis=0, shape=x.shape)
    hit = ew.greater(OPS["take_add"].make(ones, k, axis=0, shape=(n,)), 0)
    return _combine(method, x, placed, shp.reshape(hit, (n,) + (1,) * len(rows)))


#: the public functions (``symdiff.numpy_api`` re-exports them)
__all__ = ["array", "asarray"]
